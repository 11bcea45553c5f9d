package org.tinyphone.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/** A {@link RelaySession}'s AGI output: commands to the relay, a frame per write or, for single bytes, per line. */
final class RelayAgiOutput extends OutputStream {
    /** Where the bytes go: one AGI_OUT frame per call of {@link #send}; {@link #close} ends the session. */
    interface Tunnel {
        void send(byte[] b, int off, int len) throws IOException;

        void close();
    }

    private final ReentrantLock writeLock;
    private final Tunnel tunnel;
    private final byte[] pending = new byte[8192];
    private int count;

    /** {@code writeLock} is the one the session's frames go out under. */
    RelayAgiOutput(ReentrantLock writeLock, Tunnel tunnel) {
        this.writeLock = writeLock;
        this.tunnel = tunnel;
    }

    @Override
    public void write(int b) throws IOException {
        writeLock.lock();
        try {
            pending[count++] = (byte) b;
            if (b == '\n' || count == pending.length) flush();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        writeLock.lock();
        try {
            flush();
            if (len > 0) tunnel.send(b, off, len);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        writeLock.lock();
        try {
            if (count > 0) {
                int n = count;
                count = 0;
                tunnel.send(pending, 0, n);
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() {
        tunnel.close();
    }
}
