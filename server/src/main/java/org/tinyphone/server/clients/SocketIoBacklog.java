package org.tinyphone.server.clients;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What one socket.io client has not taken yet below its session's outbox: packets handed to Engine.IO that wait in
 * its buffer for the client's next poll, and WebSocket frames being written. The session's writer waits while too
 * many are pending (so the outbox, with its coalescing and overload rules, is where a slow client backs up), and
 * drops an audio level while anything is (socket.io's volatile).
 */
final class SocketIoBacklog {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private int unflushed; // our packets in Engine.IO's buffer
    private int inFlight;  // WebSocket frames handed to Jetty and not yet written
    private boolean closed;

    void queued() {
        lock.lock();
        try {
            unflushed++;
        } finally {
            lock.unlock();
        }
    }

    /** Engine.IO handed {@code messages} buffered message packets to its transport. */
    void flushed(int messages) {
        lock.lock();
        try {
            unflushed = Math.max(0, unflushed - messages);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A WebSocket frame goes to Jetty; returns how many are in flight now. */
    int sending() {
        lock.lock();
        try {
            return ++inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** A WebSocket frame was written (or failed). */
    void sent() {
        lock.lock();
        try {
            inFlight = Math.max(0, inFlight - 1);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    int pending() {
        lock.lock();
        try {
            return unflushed + inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until fewer than {@code limit} are pending; false if the connection closed meanwhile. */
    boolean awaitBelow(int limit) throws InterruptedException {
        lock.lock();
        try {
            while (!closed && unflushed + inFlight >= limit) changed.await();
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    /** Waits (at most {@code max}) until nothing is pending, before the connection is closed politely. */
    void awaitEmpty(Duration max) throws InterruptedException {
        long nanos = max.toNanos();
        lock.lock();
        try {
            while (!closed && unflushed + inFlight > 0 && nanos > 0) nanos = changed.awaitNanos(nanos);
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
