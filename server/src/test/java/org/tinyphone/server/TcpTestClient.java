package org.tinyphone.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A raw TCP client for the tests: sends bytes, reads messages up to a terminator, with a 15 s read timeout. */
public final class TcpTestClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private TcpTestClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
        this.out = socket.getOutputStream();
    }

    public static TcpTestClient connect(int port) throws IOException {
        return connect(port, -1);
    }

    /** @param receiveBuffer SO_RCVBUF to ask for (small = a client that fills up fast), or -1 */
    public static TcpTestClient connect(int port, int receiveBuffer) throws IOException {
        return connect(null, "127.0.0.1", port, receiveBuffer);
    }

    /**
     * A client whose connection leaves from {@code from} (an address of this machine; null: any) to {@code host}:
     * connecting from a non-loopback address of this machine makes the server see a client on another host.
     */
    public static TcpTestClient connectFrom(java.net.InetAddress from, String host, int port) throws IOException {
        return connect(from, host, port, -1);
    }

    private static TcpTestClient connect(java.net.InetAddress from, String host, int port, int receiveBuffer)
            throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) s.setReceiveBufferSize(receiveBuffer);
        if (from != null) s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress(host, port), 5000);
        s.setSoTimeout(15_000);
        return new TcpTestClient(s);
    }

    public void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next message, up to (not including) {@code terminator}. */
    public String read(char terminator) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) throw new EOFException("connection closed after " + b.size() + " bytes: " + b.toString(StandardCharsets.UTF_8));
            if (c == terminator) return b.toString(StandardCharsets.UTF_8);
            b.write(c);
        }
    }

    /** Exactly {@code n} bytes. */
    public String readBytes(int n) throws IOException {
        byte[] buf = in.readNBytes(n);
        if (buf.length < n) throw new EOFException("connection closed after " + buf.length + " of " + n + " bytes");
        return new String(buf, StandardCharsets.UTF_8);
    }

    /** The next JSON line. */
    public JsonNode json() throws IOException {
        return JSON.readTree(read('\n'));
    }

    /** Skips the hello the server sends before its first reply. */
    public void expectLater() {
        skipHello = true;
    }

    private boolean skipHello;

    /** The next JSON line, which must be of this type. */
    public JsonNode expect(String type) throws IOException {
        JsonNode n = json();
        if (skipHello && "hello".equals(n.path("type").asText())) {
            skipHello = false;
            n = json();
        }
        if (!type.equals(n.path("type").asText())) throw new AssertionError("expected " + type + " but got " + n);
        return n;
    }

    /** Reads until the server closes the connection; true if it did (false on timeout). */
    public boolean drainUntilClosed() throws IOException {
        byte[] buf = new byte[65536];
        try {
            while (in.read(buf) >= 0) { /* keep reading */ }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }

    public Socket socket() { return socket; }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
