package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/**
 * The per-listener queue: a burst larger than the queue is held back (the producer waits) for a listener that
 * keeps taking, and only a listener that takes nothing loses events, counted.
 */
class ListenerQueueTest {

    @Test
    void aBurstTenTimesTheQueueReachesASlowButMovingListenerComplete() throws Exception {
        List<Integer> got = new CopyOnWriteArrayList<>();
        AtomicLong total = new AtomicLong();
        ListenerQueue<Integer> q = new ListenerQueue<>("slow", null, slow(got::add), 10, Duration.ofSeconds(30), total, () -> { });
        Thread producer = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 100; i++) q.offer(i);
        });
        assertThat(producer.join(Duration.ofSeconds(60))).isTrue();
        await().untilAsserted(() -> assertThat(got).hasSize(100));
        assertThat(got).isSorted();
        assertThat(q.dropped()).isZero();
        assertThat(total.get()).isZero();
        q.close();
    }

    @Test
    void aStuckListenerLosesOnlyWhatDoesNotFitAndTheProducerGoesOn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> got = new CopyOnWriteArrayList<>();
        AtomicLong total = new AtomicLong();
        ListenerQueue<Integer> q = new ListenerQueue<>("stuck", null, i -> {
            awaitQuietly(release);
            got.add(i);
        }, 8, Duration.ofMillis(100), total, () -> { });
        Thread producer = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 1000; i++) q.offer(i);
        });
        assertThat(producer.join(Duration.ofSeconds(60))).as("the producer is not held up by a stuck listener").isTrue();
        assertThat(q.dropped()).isBetween(1000L - 9, 1000L - 1);   // at most 8 queued + 1 in the listener's hands
        assertThat(total.get()).isEqualTo(q.dropped());
        release.countDown();
        await().untilAsserted(() -> assertThat(got.size() + q.dropped()).isEqualTo(1000));
        assertThat(got).isSorted().startsWith(0);
        q.close();
    }

    @Test
    void withZeroPatienceAFullQueueDropsAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ListenerQueue<Integer> q = new ListenerQueue<>("nowait", null, i -> awaitQuietly(release), 4, Duration.ZERO, null, () -> { });
        for (int i = 0; i < 100; i++) q.offer(i);
        assertThat(q.dropped()).isBetween(100L - 5, 100L - 4);
        release.countDown();
        q.close();
    }

    @Test
    void closingWakesAWaitingProducer() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ListenerQueue<Integer> q = new ListenerQueue<>("closed", null, i -> awaitQuietly(release), 4, Duration.ofMinutes(10), null, () -> { });
        Thread producer = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 100; i++) q.offer(i);
        });
        await().until(() -> producer.getState() == Thread.State.WAITING || producer.getState() == Thread.State.TIMED_WAITING);
        q.close();
        assertThat(producer.join(Duration.ofSeconds(30))).isTrue();
        release.countDown();
    }

    /** A listener slower than the producer: it yields the carrier for a moment per item. */
    private static Consumer<Integer> slow(Consumer<Integer> c) {
        return i -> {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            c.accept(i);
        };
    }

    private static void awaitQuietly(CountDownLatch l) {
        try {
            l.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
