package org.tinyphone.ari;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call's events in arrival order, between the reader (which never waits here) and the call's thread.
 * Bounded: when {@code capacity} events wait, a further one is dropped and counted, except the ones that end a call
 * (they always fit).
 */
final class CallEvents {
    private final LinkedBlockingQueue<AriEvent> queue = new LinkedBlockingQueue<>();
    private final AtomicLong dropped = new AtomicLong();
    private final int capacity;

    CallEvents(int capacity) { this.capacity = capacity; }

    /** Adds the event; false if the queue was full and it was dropped. Never blocks. */
    boolean offer(AriEvent e) {
        boolean essential = e instanceof AriEvent.StasisEnd || e instanceof AriEvent.ChannelHangupRequest
                || e instanceof AriEvent.ChannelDestroyed || e instanceof AriEvent.EventsMissed;
        if (!essential && queue.size() >= capacity) {
            dropped.incrementAndGet();
            return false;
        }
        return queue.offer(e);
    }

    /** The next event, waiting up to {@code timeoutNanos} (negative: forever); null if none came. */
    AriEvent poll(long timeoutNanos) throws InterruptedException {
        return timeoutNanos < 0 ? queue.take() : queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** The next event if one is there. */
    AriEvent poll() { return queue.poll(); }

    /** Events dropped for this call so far. */
    long dropped() { return dropped.get(); }

    int size() { return queue.size(); }
}
