package org.tinyphone.ami;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets a virtual thread that can run for long without blocking (the AMI reader while Asterisk floods events, a
 * listener working through its backlog) leave its carrier to the rest now and then.
 *
 * <p>Virtual threads are not time-sliced, and a carrier runs what is in its own queue (the reader and listener
 * wake each other there, and {@code Thread.yield} goes there too) before it looks at new virtual threads and
 * wake-ups coming from other threads: timers, the I/O poller, the completion of an action's future. On a single
 * carrier (a 1-CPU host, or every carrier busy) those waited until the flood ended: a Ping sent as a flood began
 * was answered only after its last event, long after its response had been read (docs/performance.md, "Actions
 * during an event flood"). So after {@link #SLICE_NANOS} of running without blocking, the thread parks for a moment,
 * which sends it to the back of the line behind them. One owner thread per instance.
 */
final class CarrierShare {
    /** Longest a thread runs without blocking before it lets the others on its carrier have a turn. */
    static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** A blocking call that took this long almost surely parked (data was not there), freeing the carrier. */
    static final long BLOCKED_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private long runningSince = System.nanoTime();
    private long parks;

    /** The owner blocked (waited for input) just now: the carrier was free meanwhile. */
    void blocked() {
        runningSince = System.nanoTime();
    }

    /** Notes a blocking call that started at {@code startNanos} and just returned; see {@link #BLOCKED_NANOS}. */
    void returnedFrom(long startNanos) {
        long now = System.nanoTime();
        if (now - startNanos >= BLOCKED_NANOS) runningSince = now;
    }

    /** Between two pieces of work: parks briefly if the owner has been running for a slice. */
    void between() {
        if (System.nanoTime() - runningSince < SLICE_NANOS) return;
        if (Thread.currentThread().isVirtual()) {
            parks++;
            LockSupport.parkNanos(1); // woken by a timer: after what the carrier had waiting from elsewhere
        }
        runningSince = System.nanoTime();
    }

    /** How often the owner stepped aside (for tests and diagnostics). */
    long parks() {
        return parks;
    }
}
