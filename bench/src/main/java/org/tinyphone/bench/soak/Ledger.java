package org.tinyphone.bench.soak;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinyphone.bench.soak.CallMix.Action;
import org.tinyphone.bench.soak.CallMix.CallPlan;
import org.tinyphone.sim.call.CallResult;

/**
 * What every good client was sent, held against what the simulated callers did. Each client's events are kept per
 * call by its {@link Watcher}; when a call has ended (its {@link CallResult} is in) and every client watching its
 * number has its hangup (or {@link #GRACE_NANOS} passed), the call is verified by {@link CallRules} and forgotten.
 * The ledger keeps the books: calls waiting to be verified, the commands' answers, the counts of the report, and the
 * problems, listed by call. Thread-safe.
 */
final class Ledger {
    /** How long after a call ended its events may still be on their way. */
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final List<Watcher> watchers = new ArrayList<>();
    private final List<Expectation> pending = new ArrayList<>(); // guarded by this
    private final Set<String> verified = ConcurrentHashMap.newKeySet();
    private final Map<String, List<Answer>> answers = new ConcurrentHashMap<>();
    private final AtomicLong sent = new AtomicLong();
    private final Problems callProblems = new Problems();
    final AtomicLong placementFailures = new AtomicLong();
    final AtomicLong callsVerified = new AtomicLong();
    final AtomicLong commandsAnswered = new AtomicLong();
    final AtomicLong commandsOk = new AtomicLong();
    final AtomicLong commandsFailedAsPlanned = new AtomicLong();
    final AtomicLong commandsCallEnded = new AtomicLong();
    final Map<Action, AtomicLong> answeredByAction = new ConcurrentHashMap<>();
    final AtomicLong asteriskLinesChecked = new AtomicLong();

    /** A talk-back command's answer, as a good client got it. */
    record Answer(String client, Action action, boolean ok, String value, String error) {}

    private record Expectation(CallPlan plan, CallResult result, long ended) {}

    /** Adds a good client that watches {@code numbers} (normal form, {@code "*"} for all). */
    synchronized Watcher watcher(String name, String dialect, Set<String> numbers) {
        Watcher w = new Watcher(name, dialect, numbers, verified::contains);
        watchers.add(w);
        return w;
    }

    synchronized List<Watcher> watchers() {
        return List.copyOf(watchers);
    }

    /** A call ended as the simulated Asterisk saw it: verify it once its events are in. */
    synchronized void ended(CallPlan plan, CallResult result) {
        pending.add(new Expectation(plan, result, System.nanoTime()));
    }

    /** A call could not be placed (the server refused or broke the connection). */
    void failed(CallPlan plan, Exception e) {
        placementFailures.incrementAndGet();
        callProblems.add(plan.describe() + ": placing the call failed: " + e);
    }

    /** A good client sent a plan's command. */
    void commandSent() {
        sent.incrementAndGet();
    }

    long commandsSent() {
        return sent.get();
    }

    /** A good client got the answer to a plan's command on {@code callId}. */
    void answered(String callId, Answer answer) {
        commandsAnswered.incrementAndGet();
        answeredByAction.computeIfAbsent(answer.action(), a -> new AtomicLong()).incrementAndGet();
        answers.computeIfAbsent(callId, k -> new CopyOnWriteArrayList<>()).add(answer);
    }

    /** Something wrong that belongs to no one call or client. */
    void problem(String what) {
        callProblems.add(what);
    }

    Problems callProblems() {
        return callProblems;
    }

    /** Verifies every ended call whose events are all in or whose grace is over; all of them when {@code all}. */
    void verifyDue(boolean all) {
        List<Expectation> ready = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (this) {
            for (Iterator<Expectation> it = pending.iterator(); it.hasNext(); ) {
                Expectation e = it.next();
                if (all || now - e.ended() > GRACE_NANOS || complete(e)) {
                    ready.add(e);
                    it.remove();
                }
            }
        }
        for (Expectation e : ready) verify(e);
        if (all) {
            for (Watcher w : watchers()) {
                w.leftovers().forEach((id, t) -> {
                    w.extra.addAndGet(t.callEvents());
                    w.problems.add("call " + id + ": " + t.callEvents() + " events for a call no simulated caller"
                            + " reported as placed (or one whose placement failed)");
                });
            }
        }
    }

    synchronized int pendingCalls() {
        return pending.size();
    }

    private boolean complete(Expectation e) {
        for (Watcher w : watchers()) {
            if (w.watches(e.plan().number()) && !w.hasHangup(e.result().callId())) return false;
        }
        return e.plan().action() == Action.NONE || answers.containsKey(e.result().callId());
    }

    private void verify(Expectation e) {
        CallPlan plan = e.plan();
        CallResult r = e.result();
        String id = r.callId();
        String what = "call " + id + " " + plan.describe();
        verified.add(id);
        callsVerified.incrementAndGet();
        long want = CallRules.expected(r);
        for (Watcher w : watchers()) {
            if (!w.watches(plan.number())) continue;
            Watcher.Trace t = w.take(id);
            w.calls.incrementAndGet();
            w.expected.addAndGet(want);
            if (t == null) {
                w.lost.addAndGet(want);
                w.problems.add(what + ": nothing delivered");
                continue;
            }
            // delivered: the expected events that came (keys matched in order); lost: the others; extra: the rest
            long matched = CallRules.matched(t, r.keys());
            w.delivered.addAndGet(matched);
            w.lost.addAndGet(want - matched);
            w.extra.addAndGet(t.callEvents() - matched);
            List<String> wrong = CallRules.eventProblems(plan, r, t, w.dialect);
            if (!wrong.isEmpty()) w.problems.add(what + ": " + String.join("; ", wrong));
        }
        checkAnswers(plan, r, what);
        checkAsterisk(r, what);
    }

    private void checkAnswers(CallPlan plan, CallResult r, String what) {
        List<Answer> got = answers.remove(r.callId());
        if (plan.action() == Action.NONE) {
            if (got != null) callProblems.add(what + ": answers to commands nobody planned: " + got);
            return;
        }
        if (got == null || got.isEmpty()) {
            callProblems.add(what + ": the " + plan.action().wire() + " command got no answer");
            return;
        }
        if (got.size() > 1) callProblems.add(what + ": " + got.size() + " answers: " + got);
        Answer a = got.get(0);
        if (!a.client().equals(plan.commander())) callProblems.add(what + ": answered to " + a.client());
        CallRules.Verdict v = CallRules.answer(plan, r, a);
        switch (v.outcome()) {
            case OK -> commandsOk.incrementAndGet();
            case FAILED_AS_PLANNED -> commandsFailedAsPlanned.incrementAndGet();
            case CALL_ENDED -> commandsCallEnded.incrementAndGet();
            case WRONG -> callProblems.add(what + ": " + v.problem());
        }
    }

    private void checkAsterisk(CallResult r, String what) {
        for (String line : r.commands()) {
            asteriskLinesChecked.incrementAndGet();
            if (!CallRules.allowedOnAsterisk(line)) {
                callProblems.add(what + ": Asterisk was sent '" + Problems.printable(line) + "'");
            }
        }
    }
}
