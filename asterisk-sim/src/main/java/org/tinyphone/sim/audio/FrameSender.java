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
            out.write(type);
            out.write(length >>> 8);
            out.write(length & 0xff);
            out.write(payload, offset, length);
            out.flush();
        } finally {
            lock.unlock();
        }
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
