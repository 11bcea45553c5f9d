package org.tinyphone.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class LogLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LogLimiter limiter = new LogLimiter(3, Duration.ofSeconds(10), now::get);
    private final RecordingLogger log = new RecordingLogger();

    private void seconds(long s) { now.addAndGet(TimeUnit.SECONDS.toNanos(s)); }

    @Test
    void aFloodWritesAFewLinesAWindowThenOneSummary() {
        for (int i = 0; i < 100_000; i++) limiter.warn(log, "relay accept failed", "relay: accept failed ({})", i);
        assertThat(log.lines).containsExactly("WARN relay: accept failed (0)", "WARN relay: accept failed (1)",
                "WARN relay: accept failed (2)");
        seconds(10);
        limiter.warn(log, "relay accept failed", "relay: accept failed ({})", "later");
        assertThat(log.lines).hasSize(5).endsWith(
                "WARN relay accept failed: 99997 similar line(s) left out in the last 10 s",
                "WARN relay: accept failed (later)");
    }

    @Test
    void eachKeyHasItsOwnBudget() {
        for (int i = 0; i < 10; i++) {
            limiter.warn(log, "a", "a {}", i);
            limiter.info(log, "b", "b {}", i);
        }
        assertThat(log.lines).containsExactly("WARN a 0", "INFO b 0", "WARN a 1", "INFO b 1", "WARN a 2", "INFO b 2");
    }

    @Test
    void nothingLeftOutMeansNoSummary() {
        limiter.warn(log, "k", "one");
        seconds(60);
        limiter.warn(log, "k", "two");
        assertThat(log.lines).containsExactly("WARN one", "WARN two");
    }

    @Test
    void manyDistinctKeysShareOneBudgetPastTheLimit() {
        for (int i = 0; i < 10_000; i++) limiter.warn(log, "peer " + i, "line {}", i);
        assertThat(log.lines).hasSize(LogLimiter.MAX_KEYS + 3); // one line for each of the first keys, 3 for all the others
    }

    @Test
    void aTrailingThrowableIsTheCause() {
        IllegalStateException boom = new IllegalStateException("boom");
        limiter.log(log, Level.ERROR, "k", "failed: {}", "x", boom);
        assertThat(log.lines).containsExactly("ERROR failed: x");
        assertThat(log.causes).containsExactly(boom);
    }
}
