package org.tinyphone.ari;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One call's events in arrival order, between the reader (which never waits here) and the call's thread.
 * Bounded: when full, an event is dropped and reported, except the ones that end a call (they always fit).
 */
final class CallEvents {
    private final ArrayDeque<AriEvent> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final int capacity;
    private long dropped;   // guarded by lock

    CallEvents(int capacity) { this.capacity = capacity; }

    /** Adds the event; false if the queue was full and it was dropped. Never blocks. */
    boolean offer(AriEvent e) {
        boolean essential = e instanceof AriEvent.StasisEnd || e instanceof AriEvent.ChannelHangupRequest
                || e instanceof AriEvent.ChannelDestroyed || e instanceof AriEvent.EventsMissed;
        lock.lock();
        try {
            if (queue.size() >= capacity && !essential) {
                dropped++;
                return false;
            }
            queue.addLast(e);
            arrived.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The next event, waiting up to {@code timeoutNanos} (negative: forever); null if none came. */
    AriEvent poll(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (queue.isEmpty()) {
                if (timeoutNanos < 0) {
                    arrived.await();
                } else {
                    if (left <= 0) return null;
                    left = arrived.awaitNanos(left);
                }
            }
            return queue.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** The next event if one is there. */
    AriEvent poll() {
        lock.lock();
        try {
            return queue.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Events dropped for this call so far. */
    long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }
}
