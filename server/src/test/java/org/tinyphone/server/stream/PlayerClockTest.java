package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The players' shared clock: every sleeper wakes, never before its deadline; an interrupt ends a sleep; it idles and wakes again. */
class PlayerClockTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final PlayerClock clock = new PlayerClock("test clock");

    @Test
    void manySleepersEachWakeAndNoneBeforeItsDeadline() {
        AtomicInteger woken = new AtomicInteger();
        List<Long> early = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 500; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    for (int round = 0; round < 5; round++) {
                        long deadline = clock.nanoTime() + ThreadLocalRandom.current().nextLong(30_000_000L);
                        clock.sleepUntil(deadline);
                        long now = clock.nanoTime();
                        if (now - deadline < 0) early.add(deadline - now);
                    }
                    woken.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        await().atMost(WAIT).until(() -> woken.get() == 500);
        assertThat(early).as("nanoseconds too early").isEmpty();
    }

    @Test
    void aDeadlineThatHasPassedDoesNotWait() throws InterruptedException {
        clock.sleepUntil(clock.nanoTime() - 1);
        clock.sleepUntil(clock.nanoTime());
    }

    @Test
    void anInterruptEndsTheSleepAndTheClockGoesOnForTheOthers() throws Exception {
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread sleeper = Thread.ofVirtual().start(() -> {
            try {
                clock.sleepUntil(clock.nanoTime() + Duration.ofHours(1).toNanos());
                ended.set(new AssertionError("woke up"));
            } catch (Throwable e) {
                ended.set(e);
            }
        });
        await().atMost(WAIT).until(() -> sleeper.getState() == Thread.State.WAITING);
        sleeper.interrupt();
        await().atMost(WAIT).until(() -> ended.get() != null);
        assertThat(ended.get()).isInstanceOf(InterruptedException.class);

        long deadline = clock.nanoTime() + 10_000_000L;
        clock.sleepUntil(deadline); // another sleeper is still woken
        assertThat(clock.nanoTime() - deadline).isNotNegative();
    }

    @Test
    void afterIdlingTheClockWakesANewSleeper() throws Exception {
        long deadline = clock.nanoTime() + 5_000_000L;
        clock.sleepUntil(deadline);
        Thread.sleep(50); // nobody waits: the clock parks without a deadline
        AtomicInteger woken = new AtomicInteger();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                clock.sleepUntil(clock.nanoTime() + 5_000_000L);
                woken.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(WAIT).until(() -> woken.get() == 1);
        t.join();
    }
}
