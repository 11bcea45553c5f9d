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
    void levels_waiting_for_a_slow_client_are_replaced_by_the_latest_one_per_call() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(10), clock::get);
        assertThat(box.offerEvent(level("a", 1))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(level("b", 5))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(level("a", 2))).isEqualTo(Outbox.Offer.COALESCED);
        assertThat(box.offerEvent(level("a", 3))).isEqualTo(Outbox.Offer.COALESCED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly(level("a", 3), level("b", 5));
    }

    @Test
    void a_level_never_jumps_over_a_keypress_of_its_call() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(10), clock::get);
        box.offerEvent(level("a", 1));
        box.offerEvent(key("a", '5'));
        assertThat(box.offerEvent(level("a", 2))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(level("a", 3))).isEqualTo(Outbox.Offer.COALESCED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly(level("a", 1), key("a", '5'), level("a", 3));
    }

    @Test
    void a_level_taken_by_the_writer_is_not_changed_afterwards() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(10), clock::get);
        box.offerEvent(level("a", 1));
        assertThat(box.take(10, Duration.ZERO)).containsExactly(level("a", 1));
        assertThat(box.offerEvent(level("a", 2))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly(level("a", 2));
    }

    @Test
    void keypresses_are_never_dropped_when_full_the_client_is_overloaded_instead() {
        Outbox box = new Outbox(10, Duration.ofSeconds(10), clock::get);
        for (int i = 0; i < 10; i++) assertThat(box.offerEvent(key("a", '1'))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(key("a", '2'))).isEqualTo(Outbox.Offer.OVERLOADED);
        assertThat(box.overloadReason()).contains("10 events waiting");
        assertThat(box.abort()).hasSize(10);
        assertThat(box.offerEvent(key("a", '3'))).isEqualTo(Outbox.Offer.CLOSED);
    }

    @Test
    void replies_never_make_a_client_slow_its_reader_waits_for_room_instead() throws Exception {
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
    void an_aborted_outbox_still_gives_the_writer_its_goodbye() throws Exception {
        Outbox box = new Outbox(10, Duration.ofSeconds(10), clock::get);
        box.offerEvent(key("a", '1'));
        box.offerControl("reply");
        assertThat(box.abort("goodbye")).hasSize(2);
        assertThat(box.offerEvent(key("a", '2'))).isEqualTo(Outbox.Offer.CLOSED);
        assertThat(box.take(10, Duration.ZERO)).containsExactly("goodbye");
        assertThat(box.take(10, Duration.ZERO)).isNull();
    }

    @Test
    void a_writer_stuck_longer_than_the_timeout_makes_the_client_overloaded() throws Exception {
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
    void an_idle_writer_is_not_mistaken_for_a_stuck_one() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        assertThat(box.take(10, Duration.ZERO)).isEmpty(); // idle
        clock.addAndGet(Duration.ofMinutes(5).toNanos());
        assertThat(box.offerEvent(key("a", '1'))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(box.offerEvent(key("a", '2'))).isEqualTo(Outbox.Offer.QUEUED);
    }

    @Test
    void close_lets_the_writer_drain_then_ends_it() throws Exception {
        Outbox box = new Outbox(100, Duration.ofSeconds(5), clock::get);
        box.offerControl("bye");
        box.close();
        assertThat(box.offerControl("late")).isEqualTo(Outbox.Offer.CLOSED);
        assertThat(box.take(10, Duration.ofSeconds(1))).isEqualTo(List.of("bye"));
        assertThat(box.take(10, Duration.ofSeconds(1))).isNull();
    }

    @Test
    void an_untimed_take_waits_for_the_first_message_and_ends_at_close() throws Exception {
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
    void idle_time_counts_from_the_last_take_and_only_while_nothing_waits() throws Exception {
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
    void an_event_goes_past_the_queue_only_when_nothing_could_be_overtaken() throws Exception {
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
    void nothing_queued_after_a_direct_event_reaches_the_writer_before_the_transport_has_that_event() throws Exception {
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
    void a_direct_write_that_never_ends_makes_later_messages_queue_and_the_client_overloaded_in_time() throws Exception {
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
}
