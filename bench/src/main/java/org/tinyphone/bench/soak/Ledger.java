package org.tinyphone.bench.soak;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.tinyphone.bench.soak.CallMix.Action;
import org.tinyphone.bench.soak.CallMix.CallPlan;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.Via;

/**
 * What every good client was sent, held against what the simulated callers did. Each client's events are kept per
 * call ({@link Watcher}); when a call has ended (its {@link CallResult} is in) and every client watching its number
 * has its hangup (or {@link #GRACE_NANOS} passed), the call is verified and forgotten: per client exactly one
 * {@code new_caller} first, exactly the keys the caller pressed in order, exactly one {@code hangup} last, audio
 * levels only in between; the talk-back plan's command answered as it must be; and Asterisk sent only what the
 * bridge and the plan ask for. Anything else is a problem, listed by call. Thread-safe.
 */
final class Ledger {
    /** How long after a call ended its events may still be on their way. */
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final int KEEP_PROBLEMS = 40;

    /**
     * Every AGI command line Asterisk may receive on a soak call: the bridge app's own (answer, wait for keys, hand
     * off to AudioSocket, check the channel, hang up) and what the talk-back plans ask for. A line outside it means
     * something an app sent reached Asterisk when it should not have.
     */
    static final List<Pattern> ASTERISK_ALLOWED = List.of(
            Pattern.compile("ANSWER"),
            Pattern.compile("WAIT FOR DIGIT \\d+"),
            Pattern.compile("CHANNEL STATUS"),
            Pattern.compile("HANGUP"),
            Pattern.compile("SET VARIABLE TINYPHONE_UUID \"?[0-9a-f-]{36}\"?"),
            Pattern.compile("SET VARIABLE SOAK_SEQ \"?\\d+\"?"),
            Pattern.compile("STREAM FILE (hello-world|beep) \"0123456789\\*#\"( \\d+)?"),
            Pattern.compile("SAY DIGITS 4321 \"0123456789\\*#\""));

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

    /** A bounded list of problems with their total count. */
    static final class Problems {
        private final List<String> first = new ArrayList<>();
        private long count;

        synchronized void add(String problem) {
            count++;
            if (first.size() < KEEP_PROBLEMS) first.add(problem);
        }

        synchronized long count() { return count; }

        synchronized List<String> first() { return List.copyOf(first); }
    }

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

    /** One good client: what it watches, and what it was sent. */
    final class Watcher {
        final String name;
        final String dialect;
        private final Set<String> numbers; // normal form; "*" = every number
        private final Map<String, Trace> traces = new HashMap<>(); // guarded by this
        final AtomicLong expected = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong extra = new AtomicLong();
        final AtomicLong levels = new AtomicLong();
        final AtomicLong calls = new AtomicLong();
        final AtomicLong connectionLosses = new AtomicLong();
        final Problems problems = new Problems();

        private Watcher(String name, String dialect, Set<String> numbers) {
            this.name = name;
            this.dialect = dialect;
            this.numbers = Set.copyOf(numbers);
        }

        boolean watches(String number) {
            return numbers.contains("*") || numbers.contains(number);
        }

        /** The numbers it watches, for the table ("*" first). */
        String watching() {
            return String.join(" ", new java.util.TreeSet<>(numbers));
        }

        private Trace trace(String callId, String what) {
            if (verified.contains(callId)) {
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

        private synchronized boolean hasHangup(String callId) {
            Trace t = traces.get(callId);
            return t != null && t.hangups > 0;
        }

        private synchronized Trace take(String callId) {
            return traces.remove(callId);
        }

        /** Calls this client has events of that no verified call accounts for (at the end: placed by nobody). */
        private synchronized Map<String, Trace> leftovers() {
            Map<String, Trace> m = new LinkedHashMap<>(traces);
            traces.clear();
            return m;
        }
    }

    /** Adds a good client that watches {@code numbers} (normal form, {@code "*"} for all). */
    synchronized Watcher watcher(String name, String dialect, Set<String> numbers) {
        Watcher w = new Watcher(name, dialect, numbers);
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
        answers.computeIfAbsent(callId, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(answer);
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
        String keys = r.keys();
        String what = "call " + id + " " + plan.describe();
        verified.add(id);
        callsVerified.incrementAndGet();
        long want = 2L + keys.length();
        for (Watcher w : watchers()) {
            if (!w.watches(plan.number())) continue;
            Trace t = w.take(id);
            w.calls.incrementAndGet();
            w.expected.addAndGet(want);
            if (t == null) {
                w.lost.addAndGet(want);
                w.problems.add(what + ": nothing delivered");
                continue;
            }
            // delivered: the expected events that came (keys matched in order); lost: the others; extra: the rest
            int keysMatched = commonSubsequence(t.keys.toString(), keys);
            long matched = Math.min(t.newCallers, 1) + keysMatched + Math.min(t.hangups, 1);
            w.delivered.addAndGet(matched);
            w.lost.addAndGet(want - matched);
            w.extra.addAndGet(t.callEvents() - matched);
            List<String> wrong = new ArrayList<>();
            if (t.newCallers != 1) wrong.add(t.newCallers + " new_caller");
            if (t.hangups != 1) wrong.add(t.hangups + " hangup");
            if (!t.keys.toString().equals(keys)) wrong.add("keys '" + t.keys + "', pressed '" + keys + "'");
            if (t.beforeNewCaller > 0) wrong.add(t.beforeNewCaller + " events before new_caller");
            if (t.afterHangup > 0) wrong.add(t.afterHangup + " events after hangup");
            if (t.firstProblem != null) wrong.add(t.firstProblem);
            if (t.number != null && !t.number.equals(plan.number())) wrong.add("number " + t.number);
            if (t.callerId != null && !t.callerId.equals(plan.call().from())) wrong.add("caller id " + t.callerId);
            if (t.via != null && !viaMatches(plan.via(), t.via)) wrong.add("via " + t.via);
            boolean appHangup = plan.action() == Action.HANGUP;
            if (t.cause != null && !w.dialect.equals("legacy") && appHangup != "app".equals(t.cause)) {
                wrong.add("hangup cause '" + t.cause + "'");
            }
            if (!wrong.isEmpty()) w.problems.add(what + ": " + String.join("; ", wrong));
        }
        checkAnswers(plan, r, what);
        checkAsterisk(r, what);
    }

    /** Length of the longest common subsequence of two short strings (the keys a client got and those pressed). */
    static int commonSubsequence(String a, String b) {
        int[][] l = new int[a.length() + 1][b.length() + 1];
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                l[i][j] = a.charAt(i - 1) == b.charAt(j - 1) ? l[i - 1][j - 1] + 1 : Math.max(l[i - 1][j], l[i][j - 1]);
            }
        }
        return l[a.length()][b.length()];
    }

    private static boolean viaMatches(Via via, String said) {
        return switch (via) {
            case FASTAGI -> said.equals("fastagi");
            case RELAY -> said.equals("relay");
            case LEGACY -> said.equals("legacy");
            case AUDIOSOCKET -> said.equals("audiosocket"); // its FastAGI hand-off too
            case ARI -> said.equals("ari");
        };
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
        String keys = r.keys();
        boolean callerLeft = r.endedBy() == CallResult.EndedBy.CALLER;
        if (!a.ok() && a.action() != Action.UNSUPPORTED) {
            if (callerLeft && a.error() != null && (a.error().contains("hung up") || a.error().contains("has ended"))) {
                commandsCallEnded.incrementAndGet(); // the caller left before it could run: a fair answer
            } else {
                callProblems.add(what + ": " + a.action().wire() + " failed: " + a.error());
            }
            return;
        }
        String problem = switch (a.action()) {
            case PLAY -> a.value().isEmpty() || a.value().equals("#") && keys.contains("#") ? null
                    : "play answered '" + a.value() + "'";
            case SAY -> a.value().isEmpty() || a.value().length() == 1 && keys.contains(a.value()) ? null
                    : "say_digits answered '" + a.value() + "'";
            case COLLECT -> keys.contains(a.value()) && !a.value().contains("#") ? null
                    : "collect_digits answered '" + a.value() + "', keys pressed '" + keys + "'";
            case SET_VARIABLE -> r.commands().stream().anyMatch(c -> c.matches("SET VARIABLE SOAK_SEQ \"?" + plan.seq() + "\"?"))
                    ? null : "set_variable: Asterisk never got SET VARIABLE SOAK_SEQ " + plan.seq();
            case HANGUP -> r.endedBy() == CallResult.EndedBy.SERVER ? null : "hangup answered ok but the caller hung up first";
            // the legacy lines have no command channel; an AudioSocket call can only be hung up (asked while
            // its FastAGI hand-off still runs, the answer says the audio went to AudioSocket)
            case UNSUPPORTED -> !a.ok() && a.error() != null && (a.error().contains("command channel")
                    || a.error().contains("not possible on an AudioSocket call")
                    || a.error().contains("talk-back needs the AGI session")) ? null
                    : "a command on a call without a command channel answered " + a;
            case NONE -> null;
        };
        if (problem != null) {
            callProblems.add(what + ": " + problem);
            return;
        }
        if (a.ok()) commandsOk.incrementAndGet();
        else commandsFailedAsPlanned.incrementAndGet();
    }

    private void checkAsterisk(CallResult r, String what) {
        for (String line : r.commands()) {
            asteriskLinesChecked.incrementAndGet();
            if (ASTERISK_ALLOWED.stream().noneMatch(p -> p.matcher(line).matches())) {
                callProblems.add(what + ": Asterisk was sent '" + printable(line) + "'");
            }
        }
    }

    /** Outside text made safe for one line of a report. */
    static String printable(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            else b.append(c);
        }
        if (s.length() > 200) b.append("…");
        return b.toString();
    }
}
