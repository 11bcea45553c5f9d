package org.tinyphone.server.sim;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One call to place: who calls which number, the keys the caller presses and when, the caller's audio.
 *
 * @param to         the dialed number (DNID)
 * @param from       the caller id number
 * @param name       the caller id name ({@code null} or empty: unknown)
 * @param keys       keys pressed in order, each one of {@code 0-9 * #}
 * @param args       AGI arguments ({@code AGI(agi://.../tinyphone,arg1,arg2)})
 * @param audio      the caller's audio ({@code null}: a silent caller; FastAGI never carries audio)
 * @param firstKey   time from the call's start to the first key
 * @param keyGap     time between two keys
 * @param holdAfter  time the caller stays on after the last key before hanging up
 */
public record SimulatedCall(String to, String from, String name, String keys, List<String> args, AudioSource audio,
                            Duration firstKey, Duration keyGap, Duration holdAfter) {

    private static final Pattern KEYS = Pattern.compile("[0-9*#]*");

    public SimulatedCall {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(from, "from");
        keys = keys == null ? "" : keys;
        if (!KEYS.matcher(keys).matches()) {
            throw new IllegalArgumentException("keys must be 0-9, * or #: '" + keys + "'");
        }
        args = args == null ? List.of() : List.copyOf(args);
        firstKey = nonNegative(firstKey, Duration.ofMillis(400), "firstKey");
        keyGap = nonNegative(keyGap, Duration.ofMillis(300), "keyGap");
        holdAfter = nonNegative(holdAfter, Duration.ofMillis(800), "holdAfter");
    }

    /** A call with the default timing: first key after 400 ms, 300 ms between keys, hang up 800 ms after the last. */
    public static SimulatedCall of(String to, String from, String name, String keys) {
        return new SimulatedCall(to, from, name, keys, List.of(), null, null, null, null);
    }

    public SimulatedCall withAudio(AudioSource source) {
        return new SimulatedCall(to, from, name, keys, args, source, firstKey, keyGap, holdAfter);
    }

    public SimulatedCall withArgs(List<String> newArgs) {
        return new SimulatedCall(to, from, name, keys, newArgs, audio, firstKey, keyGap, holdAfter);
    }

    public SimulatedCall withTiming(Duration newFirstKey, Duration newKeyGap, Duration newHoldAfter) {
        return new SimulatedCall(to, from, name, keys, args, audio, newFirstKey, newKeyGap, newHoldAfter);
    }

    private static Duration nonNegative(Duration value, Duration fallback, String what) {
        if (value == null) {
            return fallback;
        }
        if (value.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative: " + value);
        }
        return value;
    }
}
