package org.tinyphone.relay;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One call's tunnel in {@code bin/tinyphone-agi} ({@link RelayMain}): stdin, stdout and fd 3 pumped to and from the
 * server, SIGHUP passed on, Asterisk told itself when the server does not take the call, and the process ended.
 * Like {@link RelayMain}, JDK classes only and no lambdas, for a fast start.
 */
final class RelayTunnel {
    private final String host;
    private final int port;
    private final int connectMillis;
    private final long hangupGraceMillis;

    // Reads go through channels: closing them wakes threads blocked in read(), and a JVM exit with a thread
    // still blocked in a native read waits ~300 ms for it (HotSpot's VM_Exit), per call.
    private final FileChannel stdinChannel = new FileInputStream(FileDescriptor.in).getChannel();
    private final InputStream stdin = Channels.newInputStream(stdinChannel);
    private volatile FileChannel audioChannel;
    private final OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    private final PrintStream stderr = System.err;

    private final ReentrantLock sendLock = new ReentrantLock();
    private final ReentrantLock exitLock = new ReentrantLock();
    private OutputStream toServer;
    private Socket socket;
    private volatile boolean serverSpoke;   // the server sent AGI bytes to Asterisk
    private volatile boolean exiting;
    private volatile boolean awaitingReply;
    String audioOverride; // the audio source instead of the environment's (the training run)

    RelayTunnel(String host, int port, int connectMillis, long hangupGraceMillis) {
        this.host = host;
        this.port = port;
        this.connectMillis = connectMillis;
        this.hangupGraceMillis = hangupGraceMillis;
    }

    /** The call: the environment to the server, then the pumps until one side ends; the exit code. */
    int run(boolean stripFirstArg, String relayText) throws IOException {
        // 1. The AGI environment (Asterisk writes it at once): read it up to its empty line.
        RelayMain.AgiEnvironmentReader envReader = new RelayMain.AgiEnvironmentReader(stdin);
        byte[] env = envReader.read(stripFirstArg);
        if (env == null) {
            stderr.println("tinyphone-agi: stdin ended before the AGI environment was complete");
            return RelayMain.EXIT_OK;
        }
        String audio = audioOverride != null ? audioOverride : System.getenv("TINYPHONE_AUDIO_FD");
        if (audio == null || audio.isEmpty()) audio = envReader.enhanced ? "/dev/fd/3" : null;
        else if (audio.equals("none")) audio = null;

        // 2. The server.
        if (port <= 0 || port > 65535) {
            return tellAsterisk("Tinyphone relay: bad server address " + relayText);
        }
        try {
            // NO_PROXY: a direct connection without asking the proxy selector, whose set-up reads net.properties
            Socket s = new Socket(java.net.Proxy.NO_PROXY);
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), connectMillis);
            socket = s;
            toServer = new BufferedOutputStream(s.getOutputStream(), 8192);
            sendLock.lock();
            try {
                toServer.write(RelayProtocol.MAGIC_LINE);
                RelayProtocol.writeFrame(toServer, RelayProtocol.AGI_IN, env, 0, env.length);
                toServer.flush();
            } finally {
                sendLock.unlock();
            }
        } catch (IOException e) {
            return tellAsterisk("Tinyphone server not reachable at " + host + ":" + port);
        }

        // 3. SIGHUP from now on goes to the server as HANGUP. Before the pumps start: once the server's first command
        // reaches Asterisk, the channel may hang up at any moment, and a SIGHUP before the handler would end the JVM
        // the default way (the server would see the tunnel close instead of a HANGUP).
        installHangupHandler();

        // 4. Pump: server → stdout on its own thread, fd 3 → server on another, stdin → server here.
        Thread fromServer = new Thread(new FromServer(), "relay-from-server");
        fromServer.setDaemon(true);
        fromServer.start();
        if (audio != null) {
            Thread audioThread = new Thread(new AudioPump(audio), "relay-audio");
            audioThread.setDaemon(true);
            audioThread.start();
        }

        byte[] leftover = envReader.leftover();
        if (leftover.length > 0) send(RelayProtocol.AGI_IN, leftover, 0, leftover.length);
        byte[] buf = new byte[8192];
        while (true) {
            int n;
            try {
                n = stdin.read(buf);
            } catch (IOException e) {
                n = -1;
            }
            if (n < 0) break;
            if (awaitingReply) {
                // we told Asterisk ourselves (the server refused): this is the reply to our VERBOSE
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') return RelayMain.EXIT_OK;
                }
                continue;
            }
            // if the server is gone, FromServer notices and ends the process; until then input is dropped
            send(RelayProtocol.AGI_IN, buf, 0, n);
        }
        // Asterisk closed our stdin: the AGI is over.
        if (!awaitingReply && !exiting) sendEnd("stdin closed");
        return RelayMain.EXIT_OK;
    }

    /** Tells Asterisk a problem in its own log and CLI, reads the reply, and ends (the dialplan continues). */
    private int tellAsterisk(String message) {
        startWatchdog(5000);
        try {
            writeVerbose(message);
            int b;
            do {
                b = stdin.read(); // the reply: "200 result=1" LF
            } while (b >= 0 && b != '\n');
        } catch (IOException e) {
            // Asterisk is gone: nothing more to tell.
        }
        return RelayMain.EXIT_OK;
    }

    /** Sends {@code VERBOSE "<message>" 1} to Asterisk (and the message to stderr). */
    private void writeVerbose(String message) throws IOException {
        stderr.println("tinyphone-agi: " + message);
        StringBuilder cmd = new StringBuilder(message.length() + 16).append("VERBOSE \"");
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '"' || c == '\\') cmd.append('\\');
            if (c >= ' ') cmd.append(c);
        }
        cmd.append("\" 1\n");
        stdout.write(cmd.toString().getBytes(StandardCharsets.UTF_8));
        stdout.flush();
    }

    private boolean send(int type, byte[] data, int offset, int length) {
        sendLock.lock();
        try {
            do { // one frame even when empty (HANGUP, END)
                int n = Math.min(length, RelayProtocol.MAX_PAYLOAD);
                RelayProtocol.writeFrame(toServer, type, data, offset, n);
                offset += n;
                length -= n;
            } while (length > 0);
            toServer.flush();
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            sendLock.unlock();
        }
    }

    private void sendEnd(String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        send(RelayProtocol.END, r, 0, r.length);
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // already gone
        }
    }

    /** Ends the process: stdout closed first (Asterisk sees EOF at once), blocked readers woken, then halt. */
    void exit(int code) {
        exitLock.lock();
        try {
            exiting = true;
            try {
                stdout.close();
            } catch (IOException e) {
                // nothing to do
            }
            closeQuietly(socket);
            closeQuietly(stdinChannel);
            closeQuietly(audioChannel);
            Runtime.getRuntime().halt(code);
        } finally {
            exitLock.unlock();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void startWatchdog(long millis) {
        Thread t = new Thread(new Watchdog(millis), "relay-watchdog");
        t.setDaemon(true);
        t.start();
    }

    private void installHangupHandler() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), new HangupHandler());
        } catch (Throwable t) {
            // signal handling unavailable (or HUP ignored): the JVM's default ends the process on SIGHUP,
            // and the server sees the tunnel close, which means the same.
        }
    }

    /** Server → Asterisk. */
    private final class FromServer implements Runnable {
        @Override
        public void run() {
            String reason = "server closed the tunnel";
            boolean endFrame = false;
            try {
                InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 8192);
                while (true) {
                    RelayProtocol.Frame f = RelayProtocol.readFrame(in);
                    if (f == null) break;
                    if (f.type() == RelayProtocol.AGI_OUT) {
                        serverSpoke = true;
                        stdout.write(f.payload());
                        stdout.flush();
                    } else if (f.type() == RelayProtocol.SERVER_END) {
                        reason = f.payload().length == 0 ? "server ended the call" : f.text();
                        endFrame = true;
                        break;
                    } else {
                        reason = "unknown frame type 0x" + Integer.toHexString(f.type()) + " from server";
                        break;
                    }
                }
            } catch (IOException e) {
                reason = "tunnel broken: " + e.getMessage();
            }
            if (exiting) return;
            if (!serverSpoke && !endFrame) {
                // The server dropped the call without a word (refused, allow-list, crash): say so in Asterisk.
                // (An END frame is a deliberate decision of the server: it says what it wants itself.)
                // The main thread, the only reader of stdin, waits for the reply and ends the process.
                awaitingReply = true;
                startWatchdog(5000);
                try {
                    writeVerbose("Tinyphone server at " + host + ":" + port + " did not take the call: " + reason);
                    return;
                } catch (IOException e) {
                    // Asterisk is gone too
                }
            }
            exit(RelayMain.EXIT_OK);
        }
    }

    /** fd 3 → server. */
    private final class AudioPump implements Runnable {
        private final String path;

        AudioPump(String path) {
            this.path = path;
        }

        @Override
        public void run() {
            final InputStream in;
            try {
                FileChannel ch = open(path);
                audioChannel = ch;
                in = Channels.newInputStream(ch);
            } catch (IOException e) {
                stderr.println("tinyphone-agi: no audio: cannot open " + path + ": " + e.getMessage());
                return;
            }
            byte[] buf = new byte[4096];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (n > 0 && !send(RelayProtocol.AUDIO, buf, 0, n)) return;
                }
            } catch (IOException e) {
                // the audio source failed; the AGI session goes on without audio
            }
        }
    }

    private static FileChannel open(String path) throws IOException {
        try {
            return new FileInputStream(path).getChannel();
        } catch (IOException e) {
            if (!path.equals("/dev/fd/3")) throw e;
            return new FileInputStream("/proc/self/fd/3").getChannel();
        }
    }

    /** SIGHUP: the channel hung up. Tell the server, give it a grace period to finish, then leave. */
    private final class HangupHandler implements sun.misc.SignalHandler {
        @Override
        public void handle(sun.misc.Signal sig) {
            send(RelayProtocol.HANGUP, new byte[0], 0, 0);
            startWatchdog(hangupGraceMillis);
        }
    }

    private final class Watchdog implements Runnable {
        private final long millis;

        Watchdog(long millis) {
            this.millis = millis;
        }

        @Override
        public void run() {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            if (toServer != null) sendEnd("hangup grace period over");
            exit(RelayMain.EXIT_OK);
        }
    }
}
