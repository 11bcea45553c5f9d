package org.tinyphone.bench.soak;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * One good client of the soak: the numbers it watches, and what it was sent, kept per call as a {@link Trace} until
 * the {@link Ledger} verifies the call; its counts (expected, delivered, lost, extra) and its problems are the report's.
 * The client's reader hands it every event; an event out of place is noted on the trace, one after the call was
 * verified is a problem at once. Thread-safe.
 */
final class Watcher {
    final String name;
    final String dialect;
    private final Set<String> numbers; // normal form; "*" = every number
    private final Predicate<String> verified;
    private final Map<String, Trace> traces = new HashMap<>(); // guarded by this
    final AtomicLong expected = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong lost = new AtomicLong();
    final AtomicLong extra = new AtomicLong();
    final AtomicLong levels = new AtomicLong();
    final AtomicLong calls = new AtomicLong();
    final AtomicLong connectionLosses = new AtomicLong();
    final Problems problems = new Problems();

    /** One call's events as one client got them. */
    static final class Trace {
        int newCallers;
        int hangups;
        int levels;
        int afterHangup;
        int beforeNewCaller;
        final StringBuilder keys = new StringBuilder();
        String number;
        String via;
        String callerId;
        String cause;
        String firstProblem;

        int callEvents() { return newCallers + keys.length() + hangups; }

        void problem(String p) {
            if (firstProblem == null) firstProblem = p;
        }
    }

    /** @param verified whether the ledger has verified a call already (its events must all have come before) */
    Watcher(String name, String dialect, Set<String> numbers, Predicate<String> verified) {
        this.name = name;
        this.dialect = dialect;
        this.numbers = Set.copyOf(numbers);
        this.verified = verified;
    }

    boolean watches(String number) {
        return numbers.contains("*") || numbers.contains(number);
    }

    /** The numbers it watches, for the table ("*" first). */
    String watching() {
        return String.join(" ", new TreeSet<>(numbers));
    }

    private Trace trace(String callId, String what) {
        if (verified.test(callId)) {
            problems.add("call " + callId + ": " + what + " after the call was verified (late or repeated)");
            return null;
        }
        return traces.computeIfAbsent(callId, k -> new Trace());
    }

    synchronized void newCaller(String callId, String number, String via, String callerId) {
        Trace t = trace(callId, "new_caller");
        if (t == null) return;
        if (t.newCallers > 0) t.problem("second new_caller");
        if (t.keys.length() > 0 || t.hangups > 0 || t.levels > 0) t.problem("new_caller after other events");
        if (t.hangups > 0) t.afterHangup++;
        t.newCallers++;
        t.number = number;
        t.via = via;
        t.callerId = callerId;
    }

    synchronized void keypress(String callId, String key) {
        Trace t = trace(callId, "keypress " + key);
        if (t == null) return;
        if (key == null || key.length() != 1 || "0123456789*#".indexOf(key.charAt(0)) < 0) {
            t.problem("keypress with value '" + key + "'");
            return;
        }
        if (t.newCallers == 0) t.beforeNewCaller++;
        if (t.hangups > 0) t.afterHangup++;
        t.keys.append(key);
    }

    synchronized void level(String callId, long value) {
        levels.incrementAndGet();
        Trace t = trace(callId, "audio_level");
        if (t == null) return;
        if (value < 0 || value > 32768) t.problem("audio_level " + value + " out of 0..32768");
        if (t.newCallers == 0) t.beforeNewCaller++;
        if (t.hangups > 0) t.afterHangup++;
        t.levels++;
    }

    synchronized void hangup(String callId, String cause) {
        Trace t = trace(callId, "hangup");
        if (t == null) return;
        if (t.newCallers == 0) t.beforeNewCaller++;
        if (t.hangups > 0) t.problem("second hangup");
        t.hangups++;
        t.cause = cause;
    }

    /** The connection went away (the server closed it, or it failed): every good client must stay up. */
    void connectionLost(String why) {
        connectionLosses.incrementAndGet();
        problems.add("connection lost: " + why);
    }

    /** Something the server sent this client that it should not have (an error reply, a bad message). */
    void problem(String what) {
        problems.add(what);
    }

    synchronized boolean hasHangup(String callId) {
        Trace t = traces.get(callId);
        return t != null && t.hangups > 0;
    }

    /** The call's trace, handed to the ledger to verify (null: nothing came); the watcher forgets it. */
    synchronized Trace take(String callId) {
        return traces.remove(callId);
    }

    /** Calls this client has events of that no verified call accounts for (at the end: placed by nobody). */
    synchronized Map<String, Trace> leftovers() {
        Map<String, Trace> m = new LinkedHashMap<>(traces);
        traces.clear();
        return m;
    }
}
