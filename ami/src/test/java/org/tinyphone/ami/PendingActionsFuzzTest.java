package org.tinyphone.ami;

import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.tinyphone.ami.codec.AmiDecoder;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * The rules of {@link AmiEventListFuzzTest} at the decoder's speed, with no socket: a session's actions wait in
 * {@link PendingActions} while whatever Asterisk sends goes through {@link AmiDecoder} and is routed as the session's
 * reader routes it (responses to the waiting actions, events to a list first and to the listeners only if no list
 * takes them). The input is a script: Asterisk's bytes, cut and interleaved with what the session does by commands
 * that start with {@code !}: {@code !<id><c>} sends an action with ActionID {@code <id>} ({@code 1} to {@code 4}, so
 * they repeat; {@code <c>} picks its name), {@code !w<id>} withdraws it, {@code !x} ends the session
 * ({@code failAll}), any other {@code !<c>} only cuts. So Asterisk's side is anything: responses, lists that start,
 * complete, are cancelled, never end, interleave, events with and without ActionIDs, garbage.
 *
 * <p>Promises: an action completes once, with its own response; a list holds only its own events, in order, and
 * ends with the one that says {@code Complete} or {@code Cancelled}; {@code items()} leaves out only {@code Complete};
 * an event no list takes goes to the listeners (always so without an ActionID); nothing that got no final answer is
 * completed; futures complete on the completer, never on the reader's call; an ActionID already waiting is refused
 * and the first still completes; a withdrawn action is completed by nothing; {@code failAll} fails exactly what waits
 * with {@link AmiException.ConnectionLost}; {@code loggedOff()} exactly when a {@code Logoff} got its response. The
 * expectation is kept by a model of the protocol (a response with {@code EventList: start} opens the list, which its
 * own {@code Complete}/{@code Cancelled} event closes; any other response completes the action, also one whose list
 * had begun, then with no events) and compared message by message.
 */
class PendingActionsFuzzTest {
    private static final String[] NAMES = {"Ping", "CoreShowChannels", "Status", "Logoff", "QueueStatus"};
    private static final Duration NEVER = Duration.ofHours(1);

    private enum State { WAITING, COMPLETED, FAILED, WITHDRAWN }

    /** What one action should come to, by the model. */
    private static final class Expected {
        final String id;
        final String name;
        final CompletableFuture<AmiResponse> future = new CompletableFuture<>();
        PendingActions.Pending pending;
        State state = State.WAITING;
        AmiMessage listStart;                       // the response that opened its list
        final List<AmiMessage> events = new ArrayList<>();
        AmiMessage response;                        // the response it completes with

        Expected(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    // one session per input (Jazzer may call the method on one instance for every input)
    private ArrayDeque<Runnable> completer;
    private PendingActions pending;
    private Map<String, Expected> waiting;
    private List<Expected> sent;
    private int settled;   // actions the model completed or failed in this step

    @FuzzTest
    @DictionaryFile(resourcePath = "pending-actions.dict")
    void session(byte[] script) {
        completer = new ArrayDeque<>();
        pending = new PendingActions("127.0.0.1:5038", completer::add);
        waiting = new HashMap<>();
        sent = new ArrayList<>();
        AmiDecoder decoder = new AmiDecoder(false);
        AmiDecoder.Listener reader = new AmiDecoder.Listener() {
            @Override
            public void onMessage(AmiMessage m) { route(m); }

            @Override
            public void onError(String problem) { require(problem != null && !problem.isEmpty(), "a problem says what it is"); }
        };
        int from = 0;
        for (int i = 0; i <= script.length; i++) {
            if (i < script.length && script[i] != '!') continue;
            int fromBefore = from;
            int at = i;
            step(() -> decoder.feed(script, fromBefore, at - fromBefore, reader));   // Asterisk's bytes up to the command
            from = i + 1;
            if (i + 1 >= script.length) continue;
            int op = script[i + 1] & 0xff, arg = i + 2 < script.length ? script[i + 2] & 0xff : 0;
            from = i + 2;
            if (op >= '1' && op <= '4') {            // !<id><name>: send an action with ActionID <id>
                step(() -> send(String.valueOf((char) op), name(arg)));
                from = i + 3;
            } else if (op == 'w') {                  // !w<id>: withdraw the latest action sent with that ActionID
                step(() -> sent.stream().filter(e -> e.id.equals(String.valueOf((char) arg))).reduce((x, y) -> y)
                        .ifPresent(this::withdraw));
                from = i + 3;
            } else if (op == 'x') {                  // !x: the session ends
                step(() -> end("read failed: Connection reset"));
            } else {                                 // any other: only a cut in Asterisk's bytes
                from = i + 1;
            }
            i = from - 1;
        }
        step(() -> end("closed"));
        for (Expected e : sent) require(e.future.isDone() != (e.state == State.WITHDRAWN), () -> "every action ended: ActionID " + e.id);
    }

    /** One step of the session, then: no future completed during it, one completion queued per action settled, each as the model says. */
    private void step(Runnable action) {
        settled = 0;
        List<Boolean> doneBefore = sent.stream().map(e -> e.future.isDone()).toList();
        action.run();
        for (int i = 0; i < doneBefore.size(); i++) {
            Expected e = sent.get(i);
            require(e.future.isDone() == doneBefore.get(i), () -> "futures complete on the completer, not on the reader's call: ActionID " + e.id);
        }
        require(completer.size() == settled, () -> "one completion per action settled: " + completer.size() + " queued, " + settled + " settled");
        while (!completer.isEmpty()) completer.poll().run();
        check();
    }

    /** The action's name: by its first letter ({@code P}ing, {@code C}oreShowChannels, {@code S}tatus, {@code L}ogoff, {@code Q}ueueStatus), else any. */
    private static String name(int c) {
        int i = "PCSLQ".indexOf(c);
        return NAMES[i >= 0 ? i : c % NAMES.length];
    }

    private void send(String id, String name) {
        Expected e = new Expected(id, name);
        e.pending = pending.add(id, name, e.future, NEVER);
        if (waiting.containsKey(id)) {
            require(e.pending == null, () -> "ActionID " + id + " is already waiting: refused");
            return;
        }
        require(e.pending != null, () -> "ActionID " + id + " waits for no one: taken");
        waiting.put(id, e);
        sent.add(e);
    }

    private void withdraw(Expected e) {
        boolean stillWaiting = e.state == State.WAITING;
        require(pending.withdraw(e.pending) == stillWaiting, () -> "withdraw is true exactly while it waits: ActionID " + e.id);
        if (stillWaiting) {
            e.state = State.WITHDRAWN;
            waiting.remove(e.id);
        }
    }

    private void end(String reason) {
        pending.failAll(reason);
        for (Expected e : waiting.values()) {
            e.state = State.FAILED;
            settled++;
        }
        waiting.clear();
    }

    /** As the session's reader routes a message, with the model's expectation beside it. */
    private void route(AmiMessage m) {
        if (m.isResponse()) {
            Expected e = m.actionId() == null ? null : waiting.get(m.actionId());
            pending.onResponse(m);
            if (e == null) return;
            if (m.is("EventList", "start")) {
                e.listStart = m;
            } else {
                e.events.clear();   // any other response completes the action, a list it had begun without its events
                settle(e, m);
            }
        } else if (m.isEvent()) {
            Expected e = m.actionId() == null ? null : waiting.get(m.actionId());
            boolean listed = e != null && e.listStart != null;
            require(pending.collect(m) == listed, () -> (listed ? "an event of a list being collected is the list's: "
                    : "an event no list waits for goes to the listeners: ") + m);
            if (!listed) return;
            e.events.add(m);
            if (m.is("EventList", "Complete") || m.is("EventList", "Cancelled")) settle(e, e.listStart);
        }
    }

    private void settle(Expected e, AmiMessage response) {
        e.state = State.COMPLETED;
        e.response = response;
        waiting.remove(e.id);
        settled++;
    }

    /** Every future as the model says, every completed response keeping the promises on its own. */
    private void check() {
        boolean logoffAnswered = false;
        for (Expected e : sent) {
            switch (e.state) {
                case WAITING, WITHDRAWN -> require(!e.future.isDone(), () -> "nothing completes an action that got no final answer: ActionID " + e.id);
                case FAILED -> {
                    require(e.future.isCompletedExceptionally(), () -> "failAll fails what waits: ActionID " + e.id);
                    Throwable t = e.future.handle((r, x) -> x).join();
                    require(t instanceof AmiException.ConnectionLost && t.getMessage().contains("Action: " + e.name + " (ActionID " + e.id + ")"),
                            () -> "failed as connection lost, naming the action: " + t);
                }
                case COMPLETED -> {
                    AmiResponse r;
                    try {
                        r = e.future.getNow(null);
                    } catch (CompletionException x) {
                        throw new AssertionError("a completed action completes normally: ActionID " + e.id, x);
                    }
                    require(r != null, () -> "completed: ActionID " + e.id);
                    require(r.message() == e.response && r.message().isResponse() && e.id.equals(r.actionId()),
                            () -> "the action's own response: " + r.message());
                    require(r.events().equals(e.events), () -> "its list's events, in order: ActionID " + e.id);
                    promises(e.id, r);
                    logoffAnswered |= e.name.equalsIgnoreCase("Logoff");
                }
            }
        }
        boolean loggedOff = logoffAnswered;
        require(pending.loggedOff() == loggedOff, () -> "logged off exactly when a Logoff got its response: " + loggedOff);
    }

    /** The promises of {@link AmiEventListFuzzTest}, which need no model. */
    private static void promises(String id, AmiResponse r) {
        List<AmiMessage> events = r.events();
        for (AmiMessage ev : events) require(ev.isEvent() && id.equals(ev.actionId()), () -> "a list holds only its own events: " + ev);
        if (events.isEmpty()) return;
        require(r.message().is("EventList", "start"), "only a list that was started has events");
        for (int i = 0; i < events.size(); i++) {
            AmiMessage ev = events.get(i);
            boolean last = ev.is("EventList", "Complete") || ev.is("EventList", "Cancelled");
            require(last == (i == events.size() - 1), "a list ends with its last event, and only there");
        }
        boolean complete = events.get(events.size() - 1).is("EventList", "Complete");
        require(r.items().equals(complete ? events.subList(0, events.size() - 1) : events), "items() leaves out Complete, only it");
    }
}
