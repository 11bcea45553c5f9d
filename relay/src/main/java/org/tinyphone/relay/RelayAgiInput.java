package org.tinyphone.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link RelaySession}'s AGI input: chunks offered by the tunnel's reader thread, read by the AGI channel's thread,
 * with a bare {@code HANGUP} line put in at the next line boundary when the relay reports SIGHUP.
 */
final class RelayAgiInput extends InputStream {
    private static final byte[] HANGUP_LINE = "HANGUP\n".getBytes(StandardCharsets.US_ASCII);

    private final int maxBuffered;
    private final Runnable onClose;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private byte[] current;
    private int pos;
    private int buffered;
    private boolean closed;
    private boolean atLineStart = true; // after the last byte offered
    private boolean hangupPending;

    /** {@code maxBuffered}: unread bytes above it are a protocol violation; {@code onClose}: closing this ends the session. */
    RelayAgiInput(int maxBuffered, Runnable onClose) {
        this.maxBuffered = maxBuffered;
        this.onClose = onClose;
    }

    void offer(byte[] data) throws IOException {
        if (data.length == 0) return;
        lock.lock();
        try {
            checkRoom(data.length);
            if (hangupPending) {
                int nl = indexOf(data, (byte) '\n');
                if (nl >= 0) {
                    add(Arrays.copyOf(data, nl + 1));
                    add(HANGUP_LINE);
                    hangupPending = false;
                    if (nl + 1 < data.length) add(Arrays.copyOfRange(data, nl + 1, data.length));
                } else {
                    add(data);
                }
            } else {
                add(data);
            }
            atLineStart = data[data.length - 1] == '\n';
            available.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void hangupLine() throws IOException {
        lock.lock();
        try {
            if (atLineStart) {
                checkRoom(HANGUP_LINE.length); // a relay sending HANGUP frames without end is held to the limit too
                add(HANGUP_LINE);
                available.signalAll();
            } else {
                hangupPending = true;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held. */
    private void checkRoom(int more) throws IOException {
        if (buffered + more > maxBuffered) {
            throw new IOException("more than " + maxBuffered + " bytes of unread AGI input");
        }
    }

    private void add(byte[] b) {
        chunks.add(b);
        buffered += b.length;
    }

    /** The relay is gone: readers get what is buffered, then EOF. */
    void finish() {
        lock.lock();
        try {
            closed = true;
            available.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until a chunk is there; false at the end. Called with the lock held. */
    private boolean fill() throws IOException {
        while (current == null || pos == current.length) {
            current = chunks.poll();
            pos = 0;
            if (current != null) continue;
            if (closed) return false;
            try {
                available.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for AGI input from the relay");
            }
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        lock.lock();
        try {
            if (!fill()) return -1;
            buffered--;
            return current[pos++] & 0xff;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        lock.lock();
        try {
            if (!fill()) return -1;
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            buffered -= n;
            return n;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return buffered;
        } finally {
            lock.unlock();
        }
    }

    /** Closing the AGI input ends the session (like closing a FastAGI socket). */
    @Override
    public void close() {
        onClose.run();
    }

    private static int indexOf(byte[] a, byte v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) return i;
        }
        return -1;
    }
}
