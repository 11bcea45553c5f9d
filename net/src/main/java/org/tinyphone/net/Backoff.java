package org.tinyphone.net;

import java.time.Duration;

/**
 * Exponential backoff for a loop that retries after failures: {@link #next()} gives the pause to take (first, then
 * doubling up to max); {@link #reset()} after a success starts over. For one thread (an accept loop).
 */
final class Backoff {
    private final long firstMillis;
    private final long maxMillis;
    private long nextMillis;

    Backoff(Duration first, Duration max) {
        if (first.toMillis() < 1 || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 1 ms <= first <= max: " + first + ", " + max);
        }
        this.firstMillis = first.toMillis();
        this.maxMillis = max.toMillis();
        this.nextMillis = firstMillis;
    }

    /** The pause to take now, in milliseconds; the one after it is twice as long (up to the max). */
    long next() {
        long pause = nextMillis;
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        return pause;
    }

    /** After a success: the next failure pauses for the first (shortest) time again. */
    void reset() { nextMillis = firstMillis; }
}
