package org.tinyphone.bench.soak;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A plain socket to one of the server's client ports with the few things the slow and the malicious client need
 * and a good client never does by hand: bytes as they are (garbage, half lines), reads with deadlines, a WebSocket
 * upgrade with chosen headers and frames built byte by byte (masked or not).
 */
final class RawConn implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private RawConn(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:port; {@code receiveBuffer > 0} asks for a small receive buffer (a slow device). */
    static RawConn open(int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) s.setReceiveBufferSize(receiveBuffer);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setTcpNoDelay(true);
            return new RawConn(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The next line (without its newline) within {@code millis}; {@code null} once the server closed the connection.
     * @throws SocketTimeoutException if no whole line came in time
     */
    String readLine(int millis) throws IOException {
        socket.setSoTimeout(millis);
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            int b = in.read();
            if (b < 0) return null;
            if (b == '\n') {
                String s = line.toString(StandardCharsets.UTF_8);
                line.reset();
                return s;
            }
            if (line.size() < 1 << 20) line.write(b);
            int left = (int) ((deadline - System.nanoTime()) / 1_000_000);
            if (left <= 0) throw new SocketTimeoutException("no whole line within " + millis + " ms");
            socket.setSoTimeout(left);
        }
    }

    /** Waits up to {@code millis} for a line containing {@code text}; returns it, or what came instead (null: closed). */
    String awaitLine(String text, int millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        String last = "(nothing)";
        while (true) {
            int left = (int) ((deadline - System.nanoTime()) / 1_000_000);
            if (left <= 0) return "(no line with " + text + " within " + millis + " ms; last: " + last + ")";
            String l;
            try {
                l = readLine(left);
            } catch (SocketTimeoutException e) {
                return "(no line with " + text + " within " + millis + " ms; last: " + last + ")";
            }
            if (l == null) return null;
            if (l.contains(text)) return l;
            last = l;
        }
    }

    /** True if the server closed the connection (or reset it) within {@code millis}, reading and dropping what comes. */
    boolean closedWithin(int millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        byte[] buf = new byte[8192];
        do { // at least one read, however short the time
            socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            try {
                if (in.read(buf) < 0) return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        } while (System.nanoTime() < deadline);
        return false;
    }

    // ------------------------------------------------------------------ WebSocket by hand

    /** Sends an upgrade request for /ws ({@code origin} null: none, as apps that are not browsers send). */
    void upgrade(int port, String origin) throws IOException {
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n");
    }

    /** The status line of the HTTP response, its headers read and dropped (null: closed first). */
    String readResponseHead(int millis) throws IOException {
        String status = readLine(millis);
        if (status == null) return null;
        String h;
        while ((h = readLine(millis)) != null && !h.strip().isEmpty()) {
            // headers
        }
        return status.strip();
    }

    /** A client frame: FIN set, {@code masked} as a client must (or not, to break the rule). */
    static byte[] frame(int opcode, byte[] payload, boolean masked) {
        int len = payload.length;
        ByteBuffer f = ByteBuffer.allocate(14 + len);
        f.put((byte) (0x80 | opcode));
        int maskBit = masked ? 0x80 : 0;
        if (len < 126) f.put((byte) (maskBit | len));
        else if (len < 65536) f.put((byte) (maskBit | 126)).putShort((short) len);
        else f.put((byte) (maskBit | 127)).putLong(len);
        byte[] mask = new byte[4];
        if (masked) {
            ThreadLocalRandom.current().nextBytes(mask);
            f.put(mask);
        }
        for (int i = 0; i < len; i++) f.put((byte) (payload[i] ^ mask[i & 3]));
        byte[] out = new byte[f.position()];
        f.flip().get(out);
        return out;
    }

    static byte[] text(String s) {
        return frame(0x1, s.getBytes(StandardCharsets.UTF_8), true);
    }

    /** One server frame: opcode and payload; null once closed. Reads within {@code millis}. */
    int[] readFrameHead(int millis) throws IOException {
        socket.setSoTimeout(millis);
        int b0 = in.read();
        if (b0 < 0) return null;
        int b1 = in.read();
        if (b1 < 0) return null;
        long len = b1 & 0x7f;
        if (len == 126) len = (in.read() << 8) | in.read();
        else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) len = (len << 8) | in.read();
        }
        return new int[] {b0 & 0x0f, (int) len};
    }

    /** The next server text frame's text, skipping others, within {@code millis}; null once closed or on a close frame. */
    String readText(int millis) throws IOException {
        while (true) {
            int[] head = readFrameHead(millis);
            if (head == null) return null;
            byte[] payload = in.readNBytes(head[1]);
            if (head[0] == 0x8) return null;
            if (head[0] == 0x1) return new String(payload, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
