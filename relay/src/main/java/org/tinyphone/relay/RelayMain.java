package org.tinyphone.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

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
 * the foreground); what Asterisk must know is said with VERBOSE. This class reads the settings and the AGI
 * environment; {@link RelayTunnel} carries the call.
 */
public final class RelayMain {
    static final int EXIT_OK = 0;

    private RelayMain() {}

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

        RelayTunnel tunnel = new RelayTunnel(host, port,
                parseInt(System.getenv("TINYPHONE_RELAY_CONNECT_MS"), 2000),
                parseInt(System.getenv("TINYPHONE_RELAY_HANGUP_GRACE_MS"), 10000));
        int code;
        try {
            code = tunnel.run(relayArg, relay);
        } catch (Throwable t) {
            System.err.println("tinyphone-agi: " + t);
            code = EXIT_OK;
        }
        tunnel.exit(code);
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
            RelayTunnel tunnel = new RelayTunnel("127.0.0.1", ss.getLocalPort(), 2000, 1000);
            tunnel.audioOverride = "/dev/null";
            tunnel.exit(tunnel.run(false, "training"));
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
