package org.tinyphone.audio.relay;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
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
 * {@code bin/tinyphone-agi}: the program Asterisk starts per call with {@code AGI()} or {@code EAGI()}. It tunnels
 * the AGI session (stdin/stdout) and, for EAGI, the caller's audio (fd 3) to the Tinyphone server, which does
 * all the AGI work (see {@link RelayProtocol}). If the server cannot be reached, or closes the tunnel before
 * saying anything, the relay tells Asterisk itself ({@code VERBOSE "..." 1}) and exits 0, so the dialplan goes on.
 *
 * <p>Settings: the server address is the first argument {@code --relay=HOST:PORT} (removed from the
 * environment passed on, later {@code agi_arg_N} renumbered), else env {@code TINYPHONE_RELAY=HOST:PORT}, else
 * {@code 127.0.0.1:12001}. {@code TINYPHONE_AUDIO_FD} overrides the audio source path (default
 * {@code /dev/fd/3} when {@code agi_enhanced} is {@code 1.0}; "none" disables audio).
 * {@code TINYPHONE_RELAY_CONNECT_MS} (default 2000) bounds the connect; {@code TINYPHONE_RELAY_HANGUP_GRACE_MS}
 * (default 10000) is how long the relay stays after SIGHUP for the server to finish.
 *
 * <p>Built for a fast start: JDK classes only, no logging framework, no lambdas or indy string concatenation
 * on the path to the first byte sent. Diagnostics go to stderr (Asterisk's own stderr: its console when it runs in
 * the foreground); what Asterisk must know is said with VERBOSE.
 */
public final class RelayMain {

    static final int EXIT_OK = 0;

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
    private String audioOverride; // we sent our own VERBOSE; stdin carries its reply

    private RelayMain(String host, int port, int connectMillis, long hangupGraceMillis) {
        this.host = host;
        this.port = port;
        this.connectMillis = connectMillis;
        this.hangupGraceMillis = hangupGraceMillis;
    }

    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals("--train")) {
            train();
            return;
        }
        String relay = System.getenv("TINYPHONE_RELAY");
        boolean relayArg = args.length > 0 && args[0].startsWith("--relay=");
        if (relayArg) relay = args[0].substring("--relay=".length());
        if (relay == null || relay.isEmpty()) relay = RelayProtocol.DEFAULT_HOST + ":" + RelayProtocol.DEFAULT_PORT;

        String[] address = parseAddress(relay);
        String host = address[0];
        int port = parseInt(address[1], -1);

        RelayMain relayMain = new RelayMain(host, port,
                parseInt(System.getenv("TINYPHONE_RELAY_CONNECT_MS"), 2000),
                parseInt(System.getenv("TINYPHONE_RELAY_HANGUP_GRACE_MS"), 10000));
        int code;
        try {
            code = relayMain.run(relayArg, relay);
        } catch (Throwable t) {
            System.err.println("tinyphone-agi: " + t);
            code = EXIT_OK;
        }
        relayMain.exit(code);
    }

    /**
     * A training run for the JVM's ahead-of-time cache ({@code bin/tinyphone-agi} runs it in the background with
     * {@code -XX:AOTCacheOutput}, JDK 25+): one whole call through the relay's real code against an in-process
     * server. stdin must carry an AGI environment and one reply line; stdout is discarded.
     */
    static void train() {
        try {
            java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
            Thread server = new Thread(new TrainingServer(ss), "relay-training-server");
            server.setDaemon(true);
            server.start();
            // the same environment look-ups as a real call, so their classes are in the cache too
            String[] names = {"TINYPHONE_RELAY", "TINYPHONE_RELAY_CONNECT_MS", "TINYPHONE_RELAY_HANGUP_GRACE_MS",
                "TINYPHONE_AUDIO_FD"};
            for (String name : names) System.getenv(name);
            RelayMain relayMain = new RelayMain("127.0.0.1", ss.getLocalPort(), 2000, 1000);
            relayMain.audioOverride = "/dev/null";
            relayMain.exit(relayMain.run(false, "training"));
        } catch (Throwable t) {
            System.err.println("tinyphone-agi: training failed: " + t);
            Runtime.getRuntime().halt(1);
        }
    }

    /** The server side of a training call: environment in, one command out, its reply in, END. */
    private static final class TrainingServer implements Runnable {
        private final java.net.ServerSocket ss;

        TrainingServer(java.net.ServerSocket ss) {
            this.ss = ss;
        }

        @Override
        public void run() {
            try (Socket s = ss.accept()) {
                InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (in.read() != '\n') { } // greeting
                RelayProtocol.readFrame(in); // environment
                byte[] noop = "NOOP\n".getBytes(StandardCharsets.US_ASCII);
                RelayProtocol.writeFrame(out, RelayProtocol.AGI_OUT, noop, 0, noop.length);
                out.flush();
                RelayProtocol.Frame f;
                while ((f = RelayProtocol.readFrame(in)) != null && f.type() != RelayProtocol.AGI_IN) { } // reply
                byte[] done = "training done".getBytes(StandardCharsets.UTF_8);
                RelayProtocol.writeFrame(out, RelayProtocol.SERVER_END, done, 0, done.length);
                out.flush();
                while (in.read() >= 0) { } // until the relay closes
            } catch (IOException e) {
                // the relay ends the process
            }
        }
    }

    private int run(boolean stripFirstArg, String relayText) throws IOException {
        // 1. The AGI environment (Asterisk writes it at once): read it up to its empty line.
        AgiEnvironmentReader envReader = new AgiEnvironmentReader(stdin);
        byte[] env = envReader.read(stripFirstArg);
        if (env == null) {
            stderr.println("tinyphone-agi: stdin ended before the AGI environment was complete");
            return EXIT_OK;
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

        // 3. Pump: server → stdout on its own thread, fd 3 → server on another, stdin → server here.
        Thread fromServer = new Thread(new FromServer(), "relay-from-server");
        fromServer.setDaemon(true);
        fromServer.start();
        if (audio != null) {
            Thread audioThread = new Thread(new AudioPump(audio), "relay-audio");
            audioThread.setDaemon(true);
            audioThread.start();
        }
        installHangupHandler();

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
                    if (buf[i] == '\n') return EXIT_OK;
                }
                continue;
            }
            // if the server is gone, FromServer notices and ends the process; until then input is dropped
            send(RelayProtocol.AGI_IN, buf, 0, n);
        }
        // Asterisk closed our stdin: the AGI is over.
        if (!awaitingReply && !exiting) sendEnd("stdin closed");
        return EXIT_OK;
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
        return EXIT_OK;
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
            exit(EXIT_OK);
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
            exit(EXIT_OK);
        }
    }

    /** {@code host:port}, {@code [v6]:port}, {@code host} or {@code :port} → {host, port text}; defaults filled in. */
    static String[] parseAddress(String text) {
        String host = text;
        String port = Integer.toString(RelayProtocol.DEFAULT_PORT);
        int colon = text.lastIndexOf(':');
        boolean bareV6 = text.indexOf(':') != colon && !text.startsWith("[");
        if (colon >= 0 && !bareV6 && text.indexOf(']') < colon) {
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty()) host = RelayProtocol.DEFAULT_HOST;
        return new String[] {host, port};
    }

    private static int parseInt(String s, int fallback) {
        if (s == null || s.isEmpty()) return fallback;
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9' || v > 100_000_000) return fallback;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * Reads the AGI environment (lines up to and including the first empty line) in chunks, notes
     * {@code agi_enhanced}, and optionally removes {@code agi_arg_1} (the relay's own argument), renumbering
     * the later arguments. Bytes read beyond the environment are kept for forwarding.
     */
    static final class AgiEnvironmentReader {
        private final InputStream in;
        private final ByteArrayOutputStream raw = new ByteArrayOutputStream(1024);
        private byte[] leftover = new byte[0];
        boolean enhanced;

        AgiEnvironmentReader(InputStream in) {
            this.in = in;
        }

        /** The environment bytes to forward, or null if the input ended first. */
        byte[] read(boolean stripFirstArg) throws IOException {
            byte[] buf = new byte[4096];
            int end = -1;
            while (end < 0) {
                int n = in.read(buf);
                if (n < 0) return null;
                int before = raw.size();
                raw.write(buf, 0, n);
                end = findEnd(raw.toByteArray(), Math.max(0, before - 1));
                if (raw.size() > 1 << 20) throw new IOException("AGI environment larger than 1 MiB");
            }
            byte[] all = raw.toByteArray();
            leftover = java.util.Arrays.copyOfRange(all, end, all.length);
            byte[] env = java.util.Arrays.copyOf(all, end);
            String text = new String(env, StandardCharsets.UTF_8);
            enhanced = text.startsWith("agi_enhanced: 1") || text.contains("\nagi_enhanced: 1");
            return stripFirstArg ? stripFirstArg(text).getBytes(StandardCharsets.UTF_8) : env;
        }

        byte[] leftover() {
            return leftover;
        }

        /** Index just after the empty line that ends the environment, or -1. */
        private static int findEnd(byte[] b, int from) {
            if (b.length > 0 && b[0] == '\n') return 1;
            for (int i = Math.max(1, from); i < b.length; i++) {
                if (b[i] == '\n' && b[i - 1] == '\n') return i + 1;
            }
            return -1;
        }

        static String stripFirstArg(String env) {
            StringBuilder out = new StringBuilder(env.length());
            int start = 0;
            while (start < env.length()) {
                int nl = env.indexOf('\n', start);
                String line = nl < 0 ? env.substring(start) : env.substring(start, nl + 1);
                start = nl < 0 ? env.length() : nl + 1;
                if (line.startsWith("agi_arg_")) {
                    int colon = line.indexOf(':');
                    int n = colon > 8 ? parseInt(line.substring(8, colon), -1) : -1;
                    if (n == 1) continue;
                    if (n > 1) {
                        out.append("agi_arg_").append(n - 1).append(line, colon, line.length());
                        continue;
                    }
                }
                out.append(line);
            }
            return out.toString();
        }
    }
}
