package org.tinyphone.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tinyphone.bench.soak.CallMix.Action;
import org.tinyphone.bench.soak.CallMix.CallPlan;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Via;

/** The soak's ledger finds every way a client's events can be wrong, and passes a call delivered as it must be. */
class LedgerTest {
    private static final String N = "15550100001";
    private final Ledger ledger = new Ledger();
    private final Watcher app = ledger.watcher("app", "tcp", Set.of(N));
    private final Watcher other = ledger.watcher("other", "tcp", Set.of("15550100002"));

    private static CallPlan plan(long seq, Via via, Action action, String keys) {
        return new CallPlan(seq, via, N, SimulatedCall.of(N, "15551234567", "Carol", keys), action,
                action == Action.NONE ? "-" : "tcp", false);
    }

    private static CallResult result(String id, Via via, String keys, List<String> commands, CallResult.EndedBy by) {
        return new CallResult(via, id, keys, commands, by, 0, Duration.ofSeconds(1));
    }

    private void deliver(String id, String keys, String cause) {
        deliver(id, "fastagi", keys, cause);
    }

    private void deliver(String id, String via, String keys, String cause) {
        app.newCaller(id, N, via, "15551234567");
        for (char k : keys.toCharArray()) app.keypress(id, String.valueOf(k));
        app.level(id, 812);
        app.hangup(id, cause);
    }

    @Test
    void aCallDeliveredInOrderIsCountedAndNothingIsWrong() {
        deliver("1.1", "12#", "caller");
        ledger.ended(plan(1, Via.FASTAGI, Action.NONE, "12#"),
                result("1.1", Via.FASTAGI, "12#", List.of("ANSWER", "WAIT FOR DIGIT 250"), CallResult.EndedBy.CALLER));
        ledger.verifyDue(true);

        assertThat(app.expected.get()).isEqualTo(5);
        assertThat(app.delivered.get()).isEqualTo(5);
        assertThat(app.lost.get()).isZero();
        assertThat(app.problems.count()).isZero();
        assertThat(ledger.callProblems().count()).isZero();
        assertThat(other.expected.get()).as("a client that does not watch the number expects nothing").isZero();
    }

    @Test
    void aLostKeyADuplicateHangupAndEventsOutOfOrderAreProblems() {
        app.newCaller("2.1", N, "relay", "15551234567");
        app.keypress("2.1", "1");                       // '2' never comes
        app.hangup("2.1", "caller");
        app.hangup("2.1", "caller");                    // twice
        app.keypress("3.1", "5");                       // before its new_caller
        app.newCaller("3.1", N, "relay", "15551234567");
        app.hangup("3.1", "caller");
        ledger.ended(plan(2, Via.RELAY, Action.NONE, "12"), result("2.1", Via.RELAY, "12", List.of(), CallResult.EndedBy.CALLER));
        ledger.ended(plan(3, Via.RELAY, Action.NONE, "5"), result("3.1", Via.RELAY, "5", List.of(), CallResult.EndedBy.CALLER));
        ledger.verifyDue(true);

        assertThat(app.expected.get()).isEqualTo(4 + 3);
        assertThat(app.delivered.get()).isEqualTo(3 + 3);
        assertThat(app.lost.get()).as("the key '2'").isEqualTo(1);
        assertThat(app.extra.get()).as("the second hangup").isEqualTo(1);
        assertThat(app.problems.first()).anySatisfy(p -> assertThat(p).contains("keys '1', pressed '12'").contains("2 hangup"))
                .anySatisfy(p -> assertThat(p).contains("3.1").contains("events before new_caller"));
    }

    @Test
    void keysInTheWrongOrderAreLostAndExtraNotDelivered() {
        deliver("10.1", "21", "caller");
        ledger.ended(plan(10, Via.FASTAGI, Action.NONE, "12"), result("10.1", Via.FASTAGI, "12", List.of(), CallResult.EndedBy.CALLER));
        ledger.verifyDue(true);

        assertThat(app.delivered.get()).isEqualTo(3);
        assertThat(app.lost.get()).isEqualTo(1);
        assertThat(app.extra.get()).isEqualTo(1);
        assertThat(app.problems.first()).singleElement().asString().contains("keys '21', pressed '12'");
    }

    @Test
    void aCallNothingArrivedForIsLostAndALateEventIsCaught() {
        ledger.ended(plan(4, Via.LEGACY, Action.NONE, "9"), result("4.1", Via.LEGACY, "9", List.of(), CallResult.EndedBy.CALLER));
        ledger.verifyDue(true);
        app.keypress("4.1", "9");

        assertThat(app.lost.get()).isEqualTo(3);
        assertThat(app.problems.first()).anySatisfy(p -> assertThat(p).contains("nothing delivered"))
                .anySatisfy(p -> assertThat(p).contains("after the call was verified"));
    }

    @Test
    void eventsOfACallNobodyPlacedAreExtra() {
        deliver("5.1", "", "caller");
        ledger.verifyDue(true);

        assertThat(app.extra.get()).isEqualTo(2);
        assertThat(app.problems.first()).anySatisfy(p -> assertThat(p).contains("no simulated caller"));
    }

    @Test
    void anAsteriskLineOutsideTheAllowListIsAProblem() {
        deliver("6.1", "", "caller");
        ledger.ended(plan(6, Via.FASTAGI, Action.NONE, ""), result("6.1", Via.FASTAGI, "",
                List.of("ANSWER", "SET VARIABLE FILE(/tmp/x) \"pwned\"", "STREAM FILE /etc/passwd \"\""), CallResult.EndedBy.CALLER));
        ledger.verifyDue(true);

        assertThat(ledger.callProblems().count()).isEqualTo(2);
        assertThat(ledger.callProblems().first()).anySatisfy(p -> assertThat(p).contains("SET VARIABLE FILE(/tmp/x)"));
    }

    @Test
    void commandsAreHeldToThePlan() {
        // collect_digits must answer keys the caller pressed, in a row
        deliver("7.1", "123", "caller");
        ledger.commandSent();
        ledger.answered("7.1", new Ledger.Answer("tcp", Action.COLLECT, true, "13", null));
        ledger.ended(plan(7, Via.FASTAGI, Action.COLLECT, "123"), result("7.1", Via.FASTAGI, "123",
                List.of("ANSWER", "STREAM FILE beep \"0123456789*#\"", "WAIT FOR DIGIT 3000"), CallResult.EndedBy.CALLER));
        // an app's hangup: the hangup event says "app", and the caller did not leave first
        deliver("8.1", "45", "app");
        ledger.commandSent();
        ledger.answered("8.1", new Ledger.Answer("tcp", Action.HANGUP, true, "", null));
        ledger.ended(plan(8, Via.FASTAGI, Action.HANGUP, "45"), result("8.1", Via.FASTAGI, "45",
                List.of("ANSWER", "HANGUP"), CallResult.EndedBy.SERVER));
        // a planned command that never got an answer
        deliver("9.1", "relay", "", "caller");
        ledger.commandSent();
        ledger.ended(plan(9, Via.RELAY, Action.PLAY, ""), result("9.1", Via.RELAY, "", List.of("ANSWER"),
                CallResult.EndedBy.CALLER));
        ledger.verifyDue(true);

        assertThat(ledger.commandsOk.get()).isEqualTo(1);
        assertThat(ledger.callProblems().first()).hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("collect_digits answered '13', keys pressed '123'"))
                .anySatisfy(p -> assertThat(p).contains("play command got no answer"));
        assertThat(app.problems.count()).isZero();
    }
}
