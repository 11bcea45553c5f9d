package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.tinyphone.ami.codec.AmiDecoder;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * ActionID correlation with no socket: given what Asterisk sent, routed as the session's reader routes it
 * (responses to the pending actions, events to them first and to the listeners only if no list claims them),
 * each action completes with its response and its list events.
 */
class PendingActionsTest {
    private static final Duration LONG = Duration.ofMinutes(1);
    private final PendingActions pending = new PendingActions("127.0.0.1:5038", Runnable::run);
    private final List<AmiMessage> toListeners = new ArrayList<>();

    private void fromAsterisk(byte[] bytes, boolean banner) {
        new AmiDecoder(banner).feed(bytes, 0, bytes.length, new AmiDecoder.Listener() {
            @Override
            public void onMessage(AmiMessage m) {
                if (m.isResponse()) pending.onResponse(m);
                else if (m.isEvent() && !pending.collect(m)) toListeners.add(m);
            }

            @Override
            public void onError(String problem) { throw new AssertionError(problem); }
        });
    }

    private void fromAsterisk(String... lines) {
        fromAsterisk((String.join("\r\n", lines) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8), false);
    }

    private CompletableFuture<AmiResponse> waitFor(String id, String action, Duration timeout) {
        CompletableFuture<AmiResponse> f = new CompletableFuture<>();
        assertThat(pending.add(id, action, f, timeout)).isNotNull();
        return f;
    }

    @Test
    void eachActionOfACapturedSessionGetsItsResponseAndItsListEvents() {
        CompletableFuture<AmiResponse> channels = waitFor("csc1", "CoreShowChannels", LONG);
        CompletableFuture<AmiResponse> status = waitFor("st1", "Status", LONG);
        CompletableFuture<AmiResponse> wrong = waitFor("st2-wrong-name", "Status", LONG);
        CompletableFuture<AmiResponse> version = waitFor("cmd1", "Command", LONG);

        fromAsterisk(CapturedAsterisk.bytes("05d-ami-lists-command-vars.txt"), true);   // the other responses wait for no one

        AmiResponse csc = channels.join();
        assertThat(csc.get("EventList")).isEqualTo("start");
        assertThat(csc.items()).extracting(m -> m.get("Channel"))
                .containsExactly("Local/park@agi-test-00000015;1", "Local/park@agi-test-00000015;2");
        assertThat(csc.events()).last().extracting(AmiMessage::eventName).isEqualTo("CoreShowChannelsComplete");
        assertThat(status.join().items()).hasSize(2).allSatisfy(m -> assertThat(m.eventName()).isEqualTo("Status"));
        assertThat(wrong.join().text()).isEqualTo("No such channel");
        assertThat(wrong.join().events()).isEmpty();
        assertThat(version.join().output()).singleElement().asString().startsWith("Asterisk 22.10.1");
        assertThat(toListeners).extracting(AmiMessage::actionId).doesNotContain("csc1", "st1");
    }

    @Test
    void aListIsCompleteOnlyAtItsLastEventAndEventsOfNoWaitingListGoToListeners() {
        CompletableFuture<AmiResponse> f = waitFor("q1", "QueueStatus", LONG);
        fromAsterisk("Response: Success", "ActionID: q1", "EventList: start", "Message: Queue status will follow");
        fromAsterisk("Event: QueueParams", "Queue: sales", "ActionID: q1");
        fromAsterisk("Event: Hangup", "Channel: PJSIP/100-00000001");
        fromAsterisk("Event: QueueMember", "Queue: sales", "ActionID: other");
        assertThat(f).isNotDone();
        fromAsterisk("Event: QueueStatusComplete", "ActionID: q1", "EventList: Complete", "ListItems: 1");
        assertThat(f.join().items()).extracting(m -> m.get("Queue")).containsExactly("sales");
        assertThat(toListeners).extracting(AmiMessage::eventName).containsExactly("Hangup", "QueueMember");
    }

    @Test
    void aCancelledListCompletesWithWhatCameBeforeIt() {
        CompletableFuture<AmiResponse> f = waitFor("l1", "Status", LONG);
        fromAsterisk("Response: Success", "ActionID: l1", "EventList: start");
        fromAsterisk("Event: Status", "ActionID: l1", "Channel: PJSIP/100-00000001");
        fromAsterisk("Event: StatusComplete", "ActionID: l1", "EventList: Cancelled");
        assertThat(f.join().events()).extracting(AmiMessage::eventName).containsExactly("Status", "StatusComplete");
    }

    @Test
    void noResponseWithinTheTimeoutFailsThatActionAlone() {
        CompletableFuture<AmiResponse> silent = waitFor("p1", "Ping", Duration.ofMillis(50));
        CompletableFuture<AmiResponse> answered = waitFor("p2", "Ping", LONG);
        fromAsterisk("Response: Success", "ActionID: p2", "Ping: Pong");
        assertThat(answered.join().get("Ping")).isEqualTo("Pong");
        assertThat(silent).failsWithin(Duration.ofSeconds(10)).withThrowableThat().withCauseInstanceOf(AmiException.Timeout.class)
                .withMessageContaining("no response from 127.0.0.1:5038 to Action: Ping (ActionID p1) within 50 ms");
        fromAsterisk("Response: Success", "ActionID: p1", "Ping: Pong");     // too late: waited for by no one
        assertThat(silent).isCompletedExceptionally();
    }

    @Test
    void theEndOfTheSessionFailsEveryActionStillWaitingAndAListCutShort() {
        CompletableFuture<AmiResponse> command = waitFor("c1", "Command", LONG);
        CompletableFuture<AmiResponse> list = waitFor("l1", "CoreShowChannels", LONG);
        fromAsterisk("Response: Success", "ActionID: l1", "EventList: start");
        fromAsterisk("Event: CoreShowChannel", "ActionID: l1", "Channel: PJSIP/100-00000001");
        pending.failAll("read failed: Connection reset");
        assertThat(command).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(AmiException.ConnectionLost.class)
                .withMessageContaining("AMI connection to 127.0.0.1:5038 lost (read failed: Connection reset) before the response to Action: Command (ActionID c1)");
        assertThat(list).failsWithin(Duration.ZERO).withThrowableThat().withMessageContaining("Action: CoreShowChannels (ActionID l1)");
    }

    @Test
    void anActionIdAlreadyWaitingIsRefusedAndTheFirstStillCompletes() {
        CompletableFuture<AmiResponse> first = waitFor("same", "Ping", LONG);
        assertThat(pending.add("same", "Ping", new CompletableFuture<>(), LONG)).isNull();
        fromAsterisk("Response: Success", "ActionID: same", "Ping: Pong");
        assertThat(first.join().get("Ping")).isEqualTo("Pong");
    }

    @Test
    void aWithdrawnActionIsNoLongerWaitingAndOnlyAnsweredLogoffCountsAsLoggedOff() {
        CompletableFuture<AmiResponse> f = new CompletableFuture<>();
        PendingActions.Pending p = pending.add("x1", "Logoff", f, LONG);
        assertThat(pending.withdraw(p)).isTrue();
        assertThat(pending.withdraw(p)).isFalse();
        fromAsterisk("Response: Goodbye", "ActionID: x1", "Message: Thanks for all the fish.");
        assertThat(f).isNotDone();
        assertThat(pending.loggedOff()).isFalse();

        CompletableFuture<AmiResponse> bye = waitFor("x2", "Logoff", LONG);
        fromAsterisk("Response: Goodbye", "ActionID: x2", "Message: Thanks for all the fish.");
        assertThat(bye.join().response()).isEqualTo("Goodbye");
        assertThat(pending.loggedOff()).isTrue();
    }
}
