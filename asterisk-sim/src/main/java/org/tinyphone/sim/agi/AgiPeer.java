package org.tinyphone.sim.agi;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The Asterisk end of one AGI connection, line by line: LF-terminated lines in both directions, as Asterisk 22
 * writes them. Over a socket (FastAGI: we connect like Asterisk does) or over a stream pair (process AGI: the
 * child's stdout and stdin). Every read has a timeout on sockets.
 */
public final class AgiPeer implements Closeable {
    /** One line on the wire, seen from Asterisk's side. */
    public record WireLine(boolean fromAsterisk, String text) {
        @Override
        public String toString() { return (fromAsterisk ? "<< " : ">> ") + text; }
    }

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    private final Consumer<WireLine> tap;

    private AgiPeer(Socket socket, InputStream in, OutputStream out, Consumer<WireLine> tap) {
        this.socket = socket;
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1024);
        this.out = out;
        this.tap = tap == null ? l -> { } : tap;
    }

    /** Connects to a FastAGI server as Asterisk does. */
    public static AgiPeer connect(String host, int port, Duration readTimeout, Consumer<WireLine> tap) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
            return new AgiPeer(s, s.getInputStream(), s.getOutputStream(), tap);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Uses a stream pair: {@code fromApp} is what the app writes (its stdout), {@code toApp} its stdin. */
    public static AgiPeer over(InputStream fromApp, OutputStream toApp, Consumer<WireLine> tap) {
        return new AgiPeer(null, fromApp, toApp, tap);
    }

    /** Sends one line (LF appended) and flushes. */
    public void send(String line) throws IOException {
        tap.accept(new WireLine(true, line));
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Sends raw bytes as they are (for malformed-input tests). */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends an environment block: each line, then the empty line. */
    public void sendEnvironment(Iterable<String> lines) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            tap.accept(new WireLine(true, l));
            b.append(l).append('\n');
        }
        tap.accept(new WireLine(true, ""));
        b.append('\n');
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * The next line the app sent, or null if it closed its side.
     *
     * @throws SocketTimeoutException if nothing arrives within the read timeout
     */
    public String readLine() throws IOException {
        String l = in.readLine();
        if (l != null) tap.accept(new WireLine(false, l));
        return l;
    }

    /** Closes our sending side (FIN), as Asterisk does not; useful to simulate a vanished peer. */
    public void shutdownOutput() throws IOException {
        if (socket != null) socket.shutdownOutput(); else out.close();
    }

    /** True if the connection is still open on our side. */
    public boolean isOpen() { return socket == null || !socket.isClosed(); }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        } else {
            try {
                out.close();
            } finally {
                in.close();
            }
        }
    }
}
