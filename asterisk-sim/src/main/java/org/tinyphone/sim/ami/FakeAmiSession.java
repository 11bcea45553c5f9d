package org.tinyphone.sim.ami;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/** The server side of one AMI client connection: read actions, write lines, close (all CRLF-framed). */
public final class FakeAmiSession implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final List<AmiFrame> received = new CopyOnWriteArrayList<>();
    private volatile Duration lineDelay = Duration.ZERO;
    private volatile boolean closed;

    FakeAmiSession(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Slows every written line down (a slow server). */
    public void lineDelay(Duration d) { lineDelay = d; }

    /** Sends the banner {@code Asterisk Call Manager/11.0.0} (one CRLF line, no blank line). */
    public void banner() throws IOException { banner("Asterisk Call Manager/11.0.0"); }

    public void banner(String line) throws IOException { writeLines(List.of(line), false); }

    /** Sends one message: the lines plus the terminating blank line. */
    public void send(String... lines) throws IOException { writeLines(List.of(lines), true); }

    public void send(List<String> lines) throws IOException { writeLines(lines, true); }

    /** Sends lines with CRLF, optionally followed by the blank line that ends a message. */
    public void writeLines(List<String> lines, boolean endMessage) throws IOException {
        writeLock.lock();
        try {
            if (!lineDelay.isZero()) {
                for (String l : lines) {
                    sleep(lineDelay);
                    out.write((l + "\r\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                if (endMessage) out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            StringBuilder sb = new StringBuilder();
            for (String l : lines) sb.append(l).append("\r\n");
            if (endMessage) sb.append("\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Writes bytes as they are (garbage, huge lines, LF-only framing). */
    public void sendRaw(byte[] bytes) throws IOException {
        writeLock.lock();
        try {
            out.write(bytes);
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Reads the next message from the client (up to the blank line), or null on EOF or when nothing
     * arrives within {@code timeout}.
     */
    public AmiFrame read(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (true) {
                int b = in.read();
                if (b < 0) return null;
                if (b == '\n') {
                    String l = line.toString(StandardCharsets.UTF_8);
                    if (l.endsWith("\r")) l = l.substring(0, l.length() - 1);
                    line.reset();
                    if (l.isEmpty()) {
                        if (lines.isEmpty()) continue;
                        AmiFrame f = AmiFrame.parse(lines);
                        received.add(f);
                        return f;
                    }
                    lines.add(l);
                } else {
                    line.write(b);
                }
            }
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            if (closed) return null;
            throw e;
        }
    }

    /** Every message read so far. */
    public List<AmiFrame> received() { return List.copyOf(received); }

    public boolean isClosed() { return closed; }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
