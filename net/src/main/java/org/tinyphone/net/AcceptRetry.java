package org.tinyphone.net;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * What a listener's accept loop does about failed accepts (EMFILE/ENFILE when out of descriptors, out of memory,
 * anything): {@link #failed} counts the failure, logs it through the {@link LogLimiter} and says how long to pause
 * (5 ms doubling to 1 s), so the loop neither spins nor gives up; {@link #succeeded} after the next accept
 * that works starts the pauses over and says once that the listener accepts again. For the one thread that accepts.
 * {@link GuardedAcceptor} uses it, and so can a listener with a loop of its own (Jetty's connector).
 */
public final class AcceptRetry {
    private final String name;
    private final ListenerStats stats;
    private final Logger log;
    private final LogLimiter limiter;
    private final Backoff backoff;
    private int failures; // the accepting thread only

    /** {@code name} starts the log lines ("relay: accept failed ..."). */
    public AcceptRetry(String name, ListenerStats stats, Logger log, LogLimiter limiter) {
        this.name = Objects.requireNonNull(name, "name");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.log = Objects.requireNonNull(log, "log");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.backoff = new Backoff(Duration.ofMillis(5), Duration.ofSeconds(1));
        limiter.decide(""); // load the logging path now: out of descriptors, a class file in a directory cannot be opened
        LogText.escape("\n");
    }

    /** Counts and logs a failed accept; returns how many milliseconds to pause before the next one. */
    public long failed(Throwable error) {
        stats.countAcceptError();
        failures++;
        long pause = backoff.next();
        try {
            limiter.warn(log, name + " accept failed", "{}: accept failed ({}); retrying in {} ms", name,
                    LogText.escape(error), pause);
        } catch (Throwable logFailed) {
            // the log is not worth the listener
        }
        return pause;
    }

    /** After an accept that worked. */
    public void succeeded() {
        if (failures == 0) return;
        backoff.reset();
        try {
            limiter.info(log, name + " accepting again", "{}: accepting again after {} failed accept(s)", name, failures);
        } catch (Throwable logFailed) {
            // as above
        }
        failures = 0;
    }
}
