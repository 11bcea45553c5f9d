package org.tinyphone.bench.soak;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Via;

/**
 * The soak's calls: a steady, seeded mix over every way in (FastAGI, the relay tunnel with audio, the original relay
 * lines with audio, AudioSocket handed off from FastAGI), many short calls and some long ones, with keys; some carry
 * a talk-back plan that one of the good clients carries out. The plan travels in the call's AGI arguments
 * ({@code soak,<seq>,<action>,<client>}), as a dialplan would pass them, so every app learns it from
 * {@code new_caller}.
 */
final class CallMix {
    /** The dialed numbers the soak calls (normal form). */
    static final List<String> NUMBERS = List.of("15550100001", "15550100002", "15550100003");
    /** The good clients that carry out talk-back plans. */
    static final List<String> COMMANDERS = List.of("tcp", "ws", "java");
    private static final String KEYS = "0123456789*#";

    /** What a good client does to the call; the verification knows what each must give. */
    enum Action {
        /** Nothing: the call is only watched. */
        NONE,
        /** {@code play hello-world}, {@code #} escapes. */
        PLAY,
        /** {@code say_digits 4321}. */
        SAY,
        /** {@code collect_digits} after the {@code beep} prompt, up to 3 digits. */
        COLLECT,
        /** {@code set_variable SOAK_SEQ=<seq>}. */
        SET_VARIABLE,
        /** {@code hangup}, sent when the second key arrives. */
        HANGUP,
        /** {@code say_digits} on a call that has no command channel (legacy lines, AudioSocket): must fail. */
        UNSUPPORTED;

        String wire() { return name().toLowerCase(Locale.ROOT); }

        static Action parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    /** One call to place. */
    record CallPlan(long seq, Via via, String number, SimulatedCall call, Action action, String commander,
                    boolean longCall) {
        /** A short line for reports. */
        String describe() {
            return "#" + seq + " " + via.name().toLowerCase(Locale.ROOT) + " to " + number + " keys '" + call.keys() + "'"
                    + (action == Action.NONE ? "" : " " + action.wire() + " by " + commander) + (longCall ? " (long)" : "");
        }
    }

    private final Random random;
    private final double longShare;
    private long seq;

    /** @param longShare the share of long calls (5-25 keys, up to about 100 s); the others last a few seconds */
    CallMix(long seed, double longShare) {
        this.random = new Random(seed);
        this.longShare = longShare;
    }

    /** The next call of the mix. */
    synchronized CallPlan next() {
        long n = ++seq;
        Via via = SoakCase.VIAS.get(random.nextInt(SoakCase.VIAS.size()));
        int r = random.nextInt(10);
        String number = NUMBERS.get(r < 4 ? 0 : r < 7 ? 1 : 2);
        boolean longCall = random.nextDouble() < longShare;
        Action action = action(via);
        String commander = COMMANDERS.get(random.nextInt(COMMANDERS.size()));
        int keyCount = longCall ? 5 + random.nextInt(21) : random.nextInt(6);
        if (action == Action.HANGUP || action == Action.COLLECT) keyCount = Math.max(keyCount, 4);
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < keyCount; i++) keys.append(KEYS.charAt(random.nextInt(KEYS.length())));
        Duration firstKey, gap, hold;
        if (longCall) {
            firstKey = ms(500 + random.nextInt(1500));
            gap = ms(1000 + random.nextInt(3000));
            hold = ms(1000 + random.nextInt(4000));
        } else {
            firstKey = ms(150 + random.nextInt(450));
            gap = ms(100 + random.nextInt(300));
            hold = ms(200 + random.nextInt(800));
        }
        if (action == Action.HANGUP) {
            // the app hangs up at the second key; the caller would stay on for a minute more
            gap = ms(700 + random.nextInt(500));
            hold = Duration.ofSeconds(60);
        } else if (action != Action.NONE) {
            hold = ms(Math.max(hold.toMillis(), 4000)); // the command has time to run before the caller leaves
        }
        String from = String.format(Locale.ROOT, "1555%07d", random.nextInt(10_000_000));
        SimulatedCall call = SimulatedCall.of(number, from, "Soak " + n, keys.toString())
                .withArgs(List.of("soak", Long.toString(n), action.wire(), action == Action.NONE ? "-" : commander))
                .withTiming(firstKey, gap, hold)
                .withAudio(via == Via.FASTAGI ? null : AudioSource.tone());
        return new CallPlan(n, via, number, call, action, action == Action.NONE ? "-" : commander, longCall);
    }

    private Action action(Via via) {
        int r = random.nextInt(100);
        return switch (via) {
            case FASTAGI, RELAY -> r < 55 ? Action.NONE : r < 65 ? Action.PLAY : r < 75 ? Action.SAY
                    : r < 85 ? Action.COLLECT : r < 93 ? Action.SET_VARIABLE : Action.HANGUP;
            case LEGACY -> r < 90 ? Action.NONE : Action.UNSUPPORTED;
            case AUDIOSOCKET -> r < 85 ? Action.NONE : r < 93 ? Action.UNSUPPORTED : Action.HANGUP;
            case ARI -> throw new IllegalArgumentException("ARI calls are not in the soak's mix yet (SoakCase.VIAS)");
        };
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}
