package org.tinyphone.net;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A socket's input with one deadline for a whole exchange (a first line, a request's headers, an AGI environment),
 * however slowly its bytes drip in: each read may wait only for the time left, so a peer that sends a byte every
 * few seconds cannot hold the connection (a plain SO_TIMEOUT restarts with every byte). Past the deadline a read
 * throws {@link SocketTimeoutException} and {@link #expired()} is true. {@link #disarm()} ends the deadline: reads
 * then block as long as the socket's own timeout says (0, unless the caller sets one).
 *
 * <p>Costs no thread and no timer: SO_TIMEOUT of a JDK socket is a field, not a system call. For the one thread that
 * reads the connection (it also calls {@link #rearm} and {@link #disarm}).
 */
public class DeadlineInput extends InputStream {
    private final Socket socket;
    private final InputStream in;
    private long deadline;
    private boolean armed = true;
    private boolean expired;

    /** The deadline is {@code timeout} from now. */
    public DeadlineInput(Socket socket, Duration timeout) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.deadline = System.nanoTime() + timeout.toNanos();
    }

    /** Whether a deadline is in force. */
    public final boolean armed() { return armed; }

    /** Whether a read failed because the deadline passed. */
    public final boolean expired() { return expired; }

    /** A new deadline, {@code timeout} from now (e.g. for the next step of a handshake). */
    public final void rearm(Duration timeout) {
        deadline = System.nanoTime() + timeout.toNanos();
        armed = true;
    }

    /** No deadline from now on; SO_TIMEOUT goes back to 0 (no limit). */
    public final void disarm() throws IOException {
        armed = false;
        socket.setSoTimeout(0);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (!armed) return in.read(b, off, len);
        long left = deadline - System.nanoTime();
        if (left <= 0) throw passed();
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left))));
        try {
            return in.read(b, off, len);
        } catch (SocketTimeoutException e) {
            throw passed();
        }
    }

    private SocketTimeoutException passed() {
        expired = true;
        return new SocketTimeoutException("deadline passed");
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int available() throws IOException { return in.available(); }

    @Override
    public void close() throws IOException { in.close(); }
}
