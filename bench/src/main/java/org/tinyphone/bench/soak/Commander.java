package org.tinyphone.bench.soak;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.tinyphone.bench.soak.CallMix.Action;

/**
 * The talk-back side of a good client: carries out the plans addressed to it (the call's AGI arguments name the
 * client) and hands each answer to the {@link Ledger}. How a command goes over the wire is the dialect's business
 * ({@link #send}).
 */
abstract class Commander {
    private record Planned(long seq, int keysSeen) {}

    final String name;
    private final Ledger ledger;
    private final Map<String, Planned> hangups = new ConcurrentHashMap<>(); // call id -> plan, until its second key

    Commander(String name, Ledger ledger) {
        this.name = name;
        this.ledger = ledger;
    }

    /** Sends {@code command} with {@code fields} to the call; completes with the server's answer. */
    protected abstract CompletableFuture<Ledger.Answer> send(String callId, Action action, String command,
                                                             Map<String, Object> fields);

    /** A new call: its arguments say whether this client has something to do to it. */
    final void onNewCaller(String callId, List<String> args) {
        if (args.size() < 4 || !args.get(0).equals("soak") || !args.get(3).equals(name)) return;
        Action action = Action.parse(args.get(2));
        long seq;
        try {
            seq = Long.parseLong(args.get(1));
        } catch (NumberFormatException e) {
            return;
        }
        if (action == null || action == Action.NONE) return;
        if (action == Action.HANGUP) hangups.put(callId, new Planned(seq, 0));
        else run(callId, action, seq);
    }

    /** A key on a call: a hangup plan is carried out at the call's second key. */
    final void onKeypress(String callId) {
        Planned p = hangups.computeIfPresent(callId, (k, v) -> new Planned(v.seq(), v.keysSeen() + 1));
        if (p != null && p.keysSeen() == 2 && hangups.remove(callId) != null) run(callId, Action.HANGUP, p.seq());
    }

    /** The call is over (a hangup plan whose keys never came is then unanswered, which the ledger reports). */
    final void onHangup(String callId) {
        hangups.remove(callId);
    }

    private void run(String callId, Action action, long seq) {
        ledger.commandSent();
        CompletableFuture<Ledger.Answer> answer;
        try {
            answer = send(callId, action, command(action), fields(action, seq));
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((a, e) -> ledger.answered(callId, a != null ? a
                : new Ledger.Answer(name, action, false, "", "no answer: " + e)));
    }

    static String command(Action action) {
        return switch (action) {
            case PLAY -> "play";
            case SAY, UNSUPPORTED -> "say_digits";
            case COLLECT -> "collect_digits";
            case SET_VARIABLE -> "set_variable";
            case HANGUP -> "hangup";
            case NONE -> throw new IllegalArgumentException("no command");
        };
    }

    static Map<String, Object> fields(Action action, long seq) {
        Map<String, Object> f = new LinkedHashMap<>();
        switch (action) {
            case PLAY -> {
                f.put("file", "hello-world");
                f.put("escape_digits", "#");
            }
            case SAY -> f.put("digits", "4321");
            case UNSUPPORTED -> f.put("digits", "1");
            case COLLECT -> {
                f.put("prompt", "beep");
                f.put("max_digits", 3);
                f.put("timeout_ms", 3000);
            }
            case SET_VARIABLE -> {
                f.put("name", "SOAK_SEQ");
                f.put("value", Long.toString(seq));
            }
            case HANGUP, NONE -> { }
        }
        return f;
    }
}
