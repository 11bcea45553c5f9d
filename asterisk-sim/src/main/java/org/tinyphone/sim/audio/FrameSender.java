package org.tinyphone.sim.audio;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes {@code type (1 byte) | length (2 bytes, big-endian) | payload} frames, the framing AudioSocket and the
 * relay tunnel share, one whole frame at a time under a lock (senders may be on several threads).
 */
final class FrameSender {
    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();

    FrameSender(OutputStream socketOut) {
        this.out = new BufferedOutputStream(socketOut, 8192);
    }

    /** One frame; any type and length, so tests can send malformed ones too. */
    void frame(int type, byte[] payload, int offset, int length) throws IOException {
        lock.lock();
        try {
            write(type, payload, offset, length);
            out.flush();
        } finally {
            lock.unlock();
        }
    }

    /** {@code bytes} cut into frames of {@code frameBytes} (a shorter last one), one flush at the end; how many. */
    int frames(int type, byte[] bytes, int frameBytes) throws IOException {
        int n = 0;
        lock.lock();
        try {
            for (int off = 0; off < bytes.length; off += frameBytes, n++) {
                write(type, bytes, off, Math.min(frameBytes, bytes.length - off));
            }
            out.flush();
        } finally {
            lock.unlock();
        }
        return n;
    }

    private void write(int type, byte[] payload, int offset, int length) throws IOException {
        out.write(type);
        out.write(length >>> 8);
        out.write(length & 0xff);
        out.write(payload, offset, length);
    }

    /** Bytes as they are (a greeting line, garbage, a partial frame). */
    void raw(byte[] bytes) throws IOException {
        lock.lock();
        try {
            out.write(bytes);
            out.flush();
        } finally {
            lock.unlock();
        }
    }
}
