package org.tinyphone.sim.call;

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
 * @param audioBurst how often audio is sent: every 20 ms as Asterisk does (the default), or several 20 ms frames
 *                   at once every {@code audioBurst} (load tests: fewer wake-ups, same audio)
 */
public record SimulatedCall(String to, String from, String name, String keys, List<String> args, AudioSource audio,
                            Duration firstKey, Duration keyGap, Duration holdAfter, Duration audioBurst) {

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
        audioBurst = nonNegative(audioBurst, Duration.ofMillis(20), "audioBurst");
        if (audioBurst.toMillis() < 20 || audioBurst.toMillis() % 20 != 0) {
            throw new IllegalArgumentException("audioBurst must be a multiple of 20 ms: " + audioBurst);
        }
    }

    /** 20 ms audio frames sent together. */
    public int framesPerBurst() {
        return (int) (audioBurst.toMillis() / 20);
    }

    /** A call with the default timing: first key after 400 ms, 300 ms between keys, hang up 800 ms after the last. */
    public static SimulatedCall of(String to, String from, String name, String keys) {
        return new SimulatedCall(to, from, name, keys, List.of(), null, null, null, null, null);
    }

    public SimulatedCall withAudio(AudioSource source) {
        return new SimulatedCall(to, from, name, keys, args, source, firstKey, keyGap, holdAfter, audioBurst);
    }

    public SimulatedCall withArgs(List<String> newArgs) {
        return new SimulatedCall(to, from, name, keys, newArgs, audio, firstKey, keyGap, holdAfter, audioBurst);
    }

    public SimulatedCall withTiming(Duration newFirstKey, Duration newKeyGap, Duration newHoldAfter) {
        return new SimulatedCall(to, from, name, keys, args, audio, newFirstKey, newKeyGap, newHoldAfter, audioBurst);
    }

    /** Sends the audio in bursts of several 20 ms frames (a multiple of 20 ms). */
    public SimulatedCall withAudioBurst(Duration burst) {
        return new SimulatedCall(to, from, name, keys, args, audio, firstKey, keyGap, holdAfter, burst);
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
