package org.tinyphone.bench.ami;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fake Asterisk on the AMI side, enough for both libraries' login (plain or MD5 challenge, CoreSettings
 * for asterisk-java's version probe) and Ping, that floods events on request: the action
 * {@code Command} with {@code Command: flood N} is answered, then N events of the recorded call (capture 05f,
 * cycled) follow as fast as the socket takes them, then one end marker ({@code VarSet} of
 * {@value #DONE_VARIABLE}). Responses to actions sent during the flood are slipped in between chunks of
 * events, as Asterisk's own writer would interleave them.
 * Runs as a process: prints {@code READY port=N}; {@code exit} on stdin stops it.
 */
public final class FakeAsteriskAmi {
    public static final String DONE_VARIABLE = "BENCH_FLOOD_DONE";
    private static final int CHUNK_EVENTS = 32;

    private final List<byte[]> events = AmiStream.load().events();

    public static void main(String[] args) throws Exception {
        FakeAsteriskAmi fake = new FakeAsteriskAmi();
        ServerSocket ss = new ServerSocket();
        ss.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 128);
        Thread.ofPlatform().daemon().name("ami-accept").start(() -> {
            while (true) {
                try {
                    Socket s = ss.accept();
                    // Platform threads, as Asterisk's own: this process runs on one core, where a virtual-thread
                    // flood would keep the only carrier until a write blocks (against a client that keeps up,
                    // seldom) and the connection's reader could not take an action in between.
                    Thread.ofPlatform().daemon().start(() -> fake.serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        System.out.println("READY port=" + ss.getLocalPort());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.trim().equals("exit")) {
            // only exit is understood
        }
        Runtime.getRuntime().halt(0);
    }

    private void serve(Socket s) {
        ReentrantLock writeLock = new ReentrantLock(true); // fair: responses get in between flood chunks
        try (s) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            write(out, writeLock, "Asterisk Call Manager/11.0.0\r\n".getBytes(StandardCharsets.US_ASCII));
            Map<String, String> action;
            while ((action = readAction(in)) != null) {
                String name = action.getOrDefault("action", "").toLowerCase(java.util.Locale.ROOT);
                String id = action.get("actionid");
                StringBuilder r = new StringBuilder("Response: Success\r\n");
                if (id != null) r.append("ActionID: ").append(id).append("\r\n");
                long flood = 0;
                boolean close = false;
                switch (name) {
                    case "challenge" -> r.append("Challenge: 840417207\r\n");
                    case "login" -> r.append("Message: Authentication accepted\r\n");
                    case "ping" -> r.append("Ping: Pong\r\nTimestamp: ").append(System.currentTimeMillis() / 1000.0).append("\r\n");
                    case "coresettings" -> r.append("AMIversion: 11.0.0\r\nAsteriskVersion: 22.10.1\r\nSystemName: \r\n"
                            + "CoreMaxCalls: 0\r\nCoreMaxLoadAvg: 0.000000\r\nCoreRunUser: asterisk\r\nCoreRunGroup: asterisk\r\n"
                            + "CoreMaxFilehandles: 0\r\nCoreRealTimeEnabled: No\r\nCoreCDRenabled: Yes\r\nCoreHTTPenabled: No\r\n");
                    case "events" -> r.append("Events: On\r\n");
                    case "logoff" -> {
                        r.setLength(0);
                        r.append("Response: Goodbye\r\n");
                        if (id != null) r.append("ActionID: ").append(id).append("\r\n");
                        r.append("Message: Thanks for all the fish.\r\n");
                        close = true;
                    }
                    case "command" -> {
                        String cmd = action.getOrDefault("command", "");
                        r.append("Message: Command output follows\r\n");
                        if (cmd.startsWith("flood ")) {
                            flood = Long.parseLong(cmd.substring(6).trim());
                            r.append("Output: flooding ").append(flood).append(" events\r\n");
                        } else {
                            r.append("Output: Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux\r\n");
                        }
                    }
                    default -> r.append("Message: ok\r\n");
                }
                r.append("\r\n");
                write(out, writeLock, r.toString().getBytes(StandardCharsets.UTF_8));
                if (name.equals("login")) {
                    write(out, writeLock, ("Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 526\r\nLastReload: 526\r\n"
                            + "Status: Fully Booted\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                if (close) return;
                if (flood > 0) {
                    long n = flood;
                    Thread.ofPlatform().daemon().start(() -> flood(out, writeLock, n));
                }
            }
        } catch (IOException e) {
            // client gone
        }
    }

    private void flood(OutputStream out, ReentrantLock lock, long n) {
        ByteArrayOutputStream chunk = new ByteArrayOutputStream(64 * 1024);
        long sent = 0;
        int i = 0;
        try {
            while (sent < n) {
                chunk.reset();
                for (int k = 0; k < CHUNK_EVENTS && sent < n; k++, sent++) {
                    chunk.writeBytes(events.get(i));
                    if (++i == events.size()) i = 0;
                }
                write(out, lock, chunk.toByteArray());
            }
            write(out, lock, ("Event: VarSet\r\nPrivilege: dialplan,all\r\nChannel: none\r\nUniqueid: 0\r\nVariable: "
                    + DONE_VARIABLE + "\r\nValue: " + n + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // client gone
        }
    }

    private static void write(OutputStream out, ReentrantLock lock, byte[] b) throws IOException {
        lock.lock();
        try {
            out.write(b);
            out.flush();
        } finally {
            lock.unlock();
        }
    }

    /** Reads one action (Key: Value lines up to a blank line); keys lower-cased; null at EOF. */
    private static Map<String, String> readAction(InputStream in) throws IOException {
        Map<String, String> m = new HashMap<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String l = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (l.endsWith("\r")) l = l.substring(0, l.length() - 1);
                if (l.isEmpty()) {
                    if (m.isEmpty()) continue;
                    return m;
                }
                int colon = l.indexOf(':');
                if (colon > 0) m.putIfAbsent(l.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), l.substring(colon + 1).trim());
            } else {
                line.write(c);
            }
        }
        return null;
    }
}
