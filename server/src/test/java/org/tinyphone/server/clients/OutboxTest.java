package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.bridge.CallEvent;

class OutboxTest {
    static final Instant T = Instant.EPOCH;
    final AtomicLong clock = new AtomicLong();

    static CallEvent.AudioLevel level(String call, int v) { return new CallEvent.AudioLevel(call, "1", v, T); }

    static CallEvent.Keypress key(String call, char c) { return new CallEvent.Keypress(call, "1", c, T); }

    @Test
    void levelsWaitingForASlowClientAreReplacedByTheLatestOnePerCall() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(10), clock::get);
        assertThat(box.offerEvent(level("a", 1))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(level("b", 5))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(level("a", 2))).isEqualTo(Outbox.Offer.COALESCED);
        assertThat(box.offerEvent(level("a", 3))).isEqualTo(Outbox.Offer.COALESCED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly(level("a", 3), level("b", 5));
    }

    @Test
    void aLevelNeverJumpsOverAKeypressOfItsCall() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(10), clock::get);
        box.offerEvent(level("a", 1));
        box.offerEvent(key("a", '5'));
        assertThat(box.offerEvent(level("a", 2))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(level("a", 3))).isEqualTo(Outbox.Offer.COALESCED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly(level("a", 1), key("a", '5'), level("a", 3));
    }

    @Test
    void aLevelTakenByTheWriterIsNotChangedAfterwards() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(10), clock::get);
        box.offerEvent(level("a", 1));
        assertThat(box.take(10, Duration.ZERO)).containsExactly(level("a", 1));
        assertThat(box.offerEvent(level("a", 2))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly(level("a", 2));
    }

    @Test
    void keypressesAreNeverDroppedWhenFullTheClientIsOverloadedInstead() {
        Outbox box = new Outbox(10, Duration.ofSeconds(10), clock::get);
        for (int i = 0; i < 10; i++) assertThat(box.offerEvent(key("a", '1'))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(key("a", '2'))).isEqualTo(Outbox.Offer.OVERLOADED);
        assertThat(box.overloadReason()).contains("10 events waiting");
        assertThat(box.abort()).hasSize(10);
        assertThat(box.offerEvent(key("a", '3'))).isEqualTo(Outbox.Offer.CLOSED);
    }

    @Test
    void repliesNeverMakeAClientSlowItsReaderWaitsForRoomInstead() throws Exception {
        Outbox box = new Outbox(10, Duration.ofSeconds(10), clock::get);
        for (int i = 0; i < 25; i++) assertThat(box.offerControl("reply " + i)).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(key("a", '1'))).as("events still fit").isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.overloadReason()).isNull();
        assertThat(box.awaitReplyRoom(Duration.ofMillis(1))).as("25 replies wait: the reader must wait").isFalse();
        assertThat(box.overloadReason()).contains("replies not taken");

        Outbox reading = new Outbox(10, Duration.ofSeconds(10), clock::get);
        for (int i = 0; i < 10; i++) reading.offerControl("reply " + i);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(50);
                reading.take(5, Duration.ZERO);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(reading.awaitReplyRoom(Duration.ofSeconds(30))).as("room once the writer took some").isTrue();
        writer.join();
        assertThat(reading.overloadReason()).isNull();
    }

    @Test
    void anAbortedOutboxStillGivesTheWriterItsGoodbye() throws Exception {
        Outbox box = new Outbox(10, Duration.ofSeconds(10), clock::get);
        box.offerEvent(key("a", '1'));
        box.offerControl("reply");
        assertThat(box.abort("goodbye")).hasSize(2);
        assertThat(box.offerEvent(key("a", '2'))).isEqualTo(Outbox.Offer.CLOSED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly("goodbye");
        assertThat(box.take(10, Duration.ZERO)).isNull();
    }

    @Test
    void aWriterStuckLongerThanTheTimeoutMakesTheClientOverloaded() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        box.offerEvent(key("a", '1'));
        assertThat(box.take(10, Duration.ZERO)).hasSize(1); // writer now busy writing it
        box.offerEvent(key("a", '2'));
        clock.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(box.offerEvent(key("a", '3'))).isEqualTo(Outbox.Offer.QUEUED);
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(box.offerEvent(key("a", '4'))).isEqualTo(Outbox.Offer.OVERLOADED);
        assertThat(box.overloadReason()).startsWith("too slow: no message taken for 6 s");
    }

    @Test
    void anIdleWriterIsNotMistakenForAStuckOne() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        assertThat(box.take(10, Duration.ZERO)).isEmpty(); // idle
        clock.addAndGet(Duration.ofMinutes(5).toNanos());
        assertThat(box.offerEvent(key("a", '1'))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(key("a", '2'))).isEqualTo(Outbox.Offer.QUEUED);
    }

    @Test
    void closeLetsTheWriterDrainThenEndsIt() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        box.offerControl("bye");
        box.close();
        assertThat(box.offerControl("late")).isEqualTo(Outbox.Offer.CLOSED);
        assertThat(box.take(10, Duration.ofSeconds(1))).isEqualTo(List.of("bye"));
        assertThat(box.take(10, Duration.ofSeconds(1))).isNull();
    }

    @Test
    void anUntimedTakeWaitsForTheFirstMessageAndEndsAtClose() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        var taken = new java.util.concurrent.LinkedBlockingQueue<Object>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                List<Object> batch;
                while ((batch = box.take(10, null)) != null) taken.addAll(batch);
                taken.add("end");
            } catch (InterruptedException e) {
                taken.add(e);
            }
        });
        box.offerEvent(key("a", '1'));
        assertThat(taken.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(key("a", '1'));
        box.close();
        assertThat(taken.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("end");
        writer.join(Duration.ofSeconds(10));
    }

    @Test
    void idleTimeCountsFromTheLastTakeAndOnlyWhileNothingWaits() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        clock.addAndGet(Duration.ofSeconds(40).toNanos());
        assertThat(box.idleNanos()).isEqualTo(Duration.ofSeconds(40).toNanos());
        box.offerControl("reply");
        assertThat(box.idleNanos()).isZero(); // something to send: not idle
        box.take(10, Duration.ZERO);
        clock.addAndGet(Duration.ofSeconds(3).toNanos());
        assertThat(box.idleNanos()).isEqualTo(Duration.ofSeconds(3).toNanos());
        box.close();
        assertThat(box.idleNanos()).isZero();
    }

    @Test
    void anEventGoesPastTheQueueOnlyWhenNothingCouldBeOvertaken() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        box.take(10, Duration.ZERO); // the writer is idle
        assertThat(box.offerEvent(key("a", '1'), true)).isEqualTo(Outbox.Offer.DIRECT);
        box.directHandedOver();
        assertThat(box.offerEvent(key("a", '2'), true)).as("1 is still being written").isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly(key("a", '2'));
        box.directDone();
        assertThat(box.offerEvent(key("a", '3'), true)).as("the writer is writing 2").isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly(key("a", '3'));
        assertThat(box.take(10, Duration.ZERO)).isEmpty(); // done, idle again
        box.offerControl("reply");
        assertThat(box.offerEvent(key("a", '4'), true)).as("the reply is queued").isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly("reply", key("a", '4'));
        assertThat(box.take(10, Duration.ZERO)).isEmpty();
        assertThat(box.offerEvent(key("a", '5'), true)).isEqualTo(Outbox.Offer.DIRECT);
        box.directHandedOver();
        box.directDone();
        assertThat(box.offerEvent(key("a", '6'), false)).as("not offered for a direct write").isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly(key("a", '6'));
        box.close();
        assertThat(box.offerEvent(key("a", '7'), true)).as("closed").isEqualTo(Outbox.Offer.CLOSED);
    }

    @Test
    void nothingQueuedAfterADirectEventReachesTheWriterBeforeTheTransportHasThatEvent() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        box.take(10, Duration.ZERO);
        assertThat(box.offerEvent(key("a", '1'), true)).isEqualTo(Outbox.Offer.DIRECT);
        // another subscriber's thread offers the call's next event before the first one reached the transport
        assertThat(box.offerEvent(key("a", '2'), true)).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.take(10, Duration.ZERO)).as("2 must not overtake 1").isEmpty();
        box.directHandedOver();
        assertThat(box.take(10, Duration.ZERO)).containsExactly(key("a", '2'));
    }

    @Test
    void aDirectWriteThatNeverEndsMakesLaterMessagesQueueAndTheClientOverloadedInTime() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        box.take(10, Duration.ZERO);
        assertThat(box.offerEvent(key("a", '0'), true)).isEqualTo(Outbox.Offer.DIRECT); // its socket is full:
        box.directHandedOver();                                                          // directDone never comes
        assertThat(box.offerEvent(key("a", '1'))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.take(10, Duration.ZERO)).hasSize(1); // the writer takes it and then waits on the socket too
        assertThat(box.offerEvent(key("a", '2'))).isEqualTo(Outbox.Offer.QUEUED);
        clock.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(box.offerEvent(key("a", '3'))).isEqualTo(Outbox.Offer.OVERLOADED);
    }
    @Test
    void audioFramesOverTheirOwnBoundAreDroppedAndNeverMakeTheClientOverloaded() throws Exception {
        Outbox box = new Outbox(10, 3, Duration.ofSeconds(5), clock::get);
        for (int i = 0; i < 3; i++) assertThat(box.offerAudio("frame " + i)).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerAudio("frame 3")).isEqualTo(Outbox.Offer.DROPPED);
        // events and replies do not count against the audio's bound, nor the audio against theirs
        for (int i = 0; i < 10; i++) assertThat(box.offerEvent(key("a", '1'))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerControl("reply")).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerAudio("frame 4")).isEqualTo(Outbox.Offer.DROPPED);
        assertThat(box.overloadReason()).isNull();
        List<Object> taken = box.take(100, Duration.ZERO);
        assertThat(taken).startsWith("frame 0", "frame 1", "frame 2", key("a", '1')).endsWith("reply").hasSize(14);
        assertThat(box.offerAudio("frame 5")).as("room again").isEqualTo(Outbox.Offer.QUEUED);
    }

    @Test
    void aWriterStuckOnAudioMakesNoOverloadUntilAnEventHasWaitedTheTimeout() throws Exception {
        Outbox box = new Outbox(100, 3, Duration.ofSeconds(5), clock::get);
        box.offerAudio("frame 0");
        assertThat(box.take(10, Duration.ZERO)).hasSize(1); // the writer is stuck writing it: the client reads nothing
        for (int i = 1; i < 50; i++) box.offerAudio("frame " + i);
        clock.addAndGet(Duration.ofMinutes(1).toNanos()); // only audio waits: it is dropped, the client stays
        assertThat(box.offerAudio("frame 50")).isEqualTo(Outbox.Offer.DROPPED);
        assertThat(box.offerEvent(key("a", '1'))).isEqualTo(Outbox.Offer.QUEUED);
        clock.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(box.offerEvent(key("a", '2'))).as("the key has waited 4 s").isEqualTo(Outbox.Offer.QUEUED);
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(box.offerEvent(key("a", '3'))).as("the key has waited 6 s").isEqualTo(Outbox.Offer.OVERLOADED);
        assertThat(box.overloadReason()).isEqualTo("too slow: no message taken for 6 s with 2 waiting");
        assertThat(box.offerAudio("frame 51")).as("nothing more once overloaded").isEqualTo(Outbox.Offer.CLOSED);
    }
}
