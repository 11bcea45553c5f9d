package org.tinyphone.bench.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.tinyphone.bench.soak.CallMix.Action;
import org.tinyphone.bench.soak.CallMix.CallPlan;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.Via;

/**
 * What a finished call is held to, given its plan and what the simulated caller saw: the events each watching client
 * must have got (exactly one {@code new_caller} first, exactly the keys pressed in order, exactly one {@code hangup}
 * last, audio levels only in between), how the plan's command must have been answered, and what Asterisk may have been
 * sent. No state: the {@link Ledger} keeps the books and counts the verdicts.
 */
final class CallRules {
    /**
     * Every AGI command line Asterisk may receive on a soak call: the bridge app's own (answer, wait for keys, hand
     * off to AudioSocket, check the channel, hang up) and what the talk-back plans ask for. A line outside it means
     * something an app sent reached Asterisk when it should not have.
     */
    private static final List<Pattern> ASTERISK_ALLOWED = List.of(
            Pattern.compile("ANSWER"),
            Pattern.compile("WAIT FOR DIGIT \\d+"),
            Pattern.compile("CHANNEL STATUS"),
            Pattern.compile("HANGUP"),
            Pattern.compile("SET VARIABLE TINYPHONE_UUID \"?[0-9a-f-]{36}\"?"),
            Pattern.compile("SET VARIABLE SOAK_SEQ \"?\\d+\"?"),
            Pattern.compile("STREAM FILE (hello-world|beep) \"0123456789\\*#\"( \\d+)?"),
            Pattern.compile("SAY DIGITS 4321 \"0123456789\\*#\""));

    /** How the answer to a plan's command counts: as it should be, failed as planned, too late, or wrong. */
    enum Outcome { OK, FAILED_AS_PLANNED, CALL_ENDED, WRONG }

    /** An answer's outcome, and what was wrong with it when {@link Outcome#WRONG}. */
    record Verdict(Outcome outcome, String problem) {}

    private CallRules() {}

    /** The events every watching client must get of a call: new_caller, each key pressed, hangup. */
    static long expected(CallResult r) {
        return 2L + r.keys().length();
    }

    /** Of those, the ones {@code t} has (the keys matched in order); the others are lost, the rest of {@code t} extra. */
    static long matched(Watcher.Trace t, String keys) {
        return Math.min(t.newCallers, 1) + commonSubsequence(t.keys.toString(), keys) + Math.min(t.hangups, 1);
    }

    /** What is wrong with one client's events of a call (empty when nothing is), the client speaking {@code dialect}. */
    static List<String> eventProblems(CallPlan plan, CallResult r, Watcher.Trace t, String dialect) {
        String keys = r.keys();
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
        if (t.cause != null && !dialect.equals("legacy") && appHangup != "app".equals(t.cause)) {
            wrong.add("hangup cause '" + t.cause + "'");
        }
        return wrong;
    }

    /** Length of the longest common subsequence of two short strings (the keys a client got and those pressed). */
    private static int commonSubsequence(String a, String b) {
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

    /** How the answer {@code a} to the plan's command counts, given how the call went. */
    static Verdict answer(CallPlan plan, CallResult r, Ledger.Answer a) {
        String keys = r.keys();
        boolean callerLeft = r.endedBy() == CallResult.EndedBy.CALLER;
        if (!a.ok() && a.action() != Action.UNSUPPORTED) {
            if (callerLeft && a.error() != null && (a.error().contains("hung up") || a.error().contains("has ended"))) {
                return new Verdict(Outcome.CALL_ENDED, null); // the caller left before it could run: a fair answer
            }
            return new Verdict(Outcome.WRONG, a.action().wire() + " failed: " + a.error());
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
        if (problem != null) return new Verdict(Outcome.WRONG, problem);
        return new Verdict(a.ok() ? Outcome.OK : Outcome.FAILED_AS_PLANNED, null);
    }

    /** Whether Asterisk may be sent {@code line} on a soak call ({@link #ASTERISK_ALLOWED}). */
    static boolean allowedOnAsterisk(String line) {
        return ASTERISK_ALLOWED.stream().anyMatch(p -> p.matcher(line).matches());
    }
}
