package org.tinyphone.sim.ari;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One caller placed into a Stasis application of a {@link SimulatedAriAsterisk}, the way capture 09a's calls were
 * made ({@code Stasis(app,args)} after {@code Set(CALLERID(dnid)=...)}). The caller's behaviour is scripted:
 * keys pressed one by one whenever the app waits (no playback playing and no request for the call during
 * {@link #idle}; the first key only after the first prompt has played, as a caller waits for the greeting), a key
 * pressed while a given sound plays, hanging up during a sound or after a time, and giving up (hanging up) when
 * there is nothing left to press and the app just waits.
 *
 * <pre>{@code
 * SimulatedAriCall.Result r = sim.call("hello").pressDuring("tt-monkeys", '#').place().await(Duration.ofSeconds(10));
 * assertThat(r.played()).containsExactly("sound:hello-world", "sound:tt-monkeys", "sound:goodbye");
 * }</pre>
 */
public final class SimulatedAriCall {
    final SimulatedAriAsterisk sim;
    final String app;
    String callerNumber = "15550001111";
    String callerName = "Carol";
    String dnid = "13605162099";
    List<String> args = List.of();
    final Deque<Character> keys = new ArrayDeque<>();
    final Map<String, Character> pressDuring = new HashMap<>();
    final Map<String, String> variables = new LinkedHashMap<>();
    final List<VariableFault> faults = new ArrayList<>();
    String hangupDuring;
    Duration hangupAfter;
    Duration idle = Duration.ofMillis(100);
    Duration giveUpAfter = Duration.ofSeconds(10);
    boolean waitForPrompt = true;
    String channelId;
    byte[] audio;        // the caller's voice, 8 kHz slin, looped
    int audioAt;         // guarded by the simulator
    long audioFrames;    // guarded by the simulator: 20 ms frames of it sent to externalMedia channels
    final CompletableFuture<Result> done = new CompletableFuture<>();
    final List<String> played = new ArrayList<>();
    final List<String> requests = new ArrayList<>();
    final List<Character> pressed = new ArrayList<>();
    final List<String> dtmfSent = new ArrayList<>();

    SimulatedAriCall(SimulatedAriAsterisk sim, String app) {
        this.sim = sim;
        this.app = app;
    }

    public SimulatedAriCall callerId(String number, String name) { callerNumber = number; callerName = name; return this; }

    /** The dialed number ({@code CALLERID(dnid)}); {@code ""}: none (a Local channel, an originate), read as {@code ""} as Asterisk does. */
    public SimulatedAriCall dnid(String v) { dnid = v == null ? "" : v; return this; }

    /** The {@code Stasis(app,arg1,arg2)} arguments. */
    public SimulatedAriCall args(String... a) { args = List.of(a); return this; }

    /** Keys pressed in order, each when the app waits (see {@link #idle}). */
    public SimulatedAriCall keys(String presses) {
        for (char c : presses.toCharArray()) keys.add(c);
        return this;
    }

    /** {@code key} is pressed while {@code sound:file} plays. */
    public SimulatedAriCall pressDuring(String file, char key) { pressDuring.put(file, key); return this; }

    /** The caller hangs up while {@code sound:file} plays (capture 09b). */
    public SimulatedAriCall hangupDuring(String file) { hangupDuring = file; return this; }

    /** The caller hangs up this long after entering Stasis. */
    public SimulatedAriCall hangupAfter(Duration d) { hangupAfter = d; return this; }

    /** How long the app must wait (nothing playing, no request) before the caller presses the next key; default 100 ms. */
    public SimulatedAriCall idle(Duration d) { idle = d; return this; }

    /** The caller presses keys whenever the app waits, also before any prompt has played. */
    public SimulatedAriCall pressWithoutWaitingForAPrompt() { waitForPrompt = false; return this; }

    /** With no keys left, the caller hangs up after the app waited this long; default 10 s. */
    public SimulatedAriCall giveUpAfter(Duration d) { giveUpAfter = d; return this; }

    /**
     * The next {@code times} reads of this channel's variable {@code name} ({@code GET channels/<id>/variable}) go wrong
     * as {@code fault} says; later reads are answered. The failed reads are in the simulator's
     * {@link SimulatedAriAsterisk#httpRequests()}, not in this call's {@link Result#requests()}.
     */
    public SimulatedAriCall failVariableReads(String name, int times, RestFault fault) {
        if (times < 1) throw new IllegalArgumentException("times must be at least 1: " + times);
        faults.add(new VariableFault(java.util.Objects.requireNonNull(name), times, java.util.Objects.requireNonNull(fault)));
        return this;
    }

    record VariableFault(String name, int times, RestFault fault) {}

    /** A channel variable the app can read. */
    public SimulatedAriCall variable(String name, String value) { variables.put(name, value); return this; }

    /**
     * The caller's voice: signed 16-bit little-endian mono 8 kHz samples, played in a loop while the call lasts. An
     * externalMedia AudioSocket channel bridged with the call gets it as audio frames (in the channel's format).
     */
    public SimulatedAriCall audio(byte[] slin8k) {
        if (slin8k == null || slin8k.length < 2) throw new IllegalArgumentException("audio needs at least one sample");
        audio = slin8k.clone();
        return this;
    }

    /** The channel id to use (default: an Asterisk-like uniqueid). */
    public SimulatedAriCall channelId(String id) { channelId = id; return this; }

    /** Places the call: the channel enters Stasis now (StasisStart to the app's WebSocket). */
    public SimulatedAriCall place() {
        sim.place(this);
        return this;
    }

    /** The caller presses {@code key} now (also while no connection hears it: then the event is lost, as in Asterisk). */
    public SimulatedAriCall press(char key) {
        sim.pressNow(this, key);
        return this;
    }

    /** The caller hangs up now. */
    public SimulatedAriCall hangup() {
        sim.hangupNow(this);
        return this;
    }

    /** The channel id (after {@link #place()}). */
    public String id() { return channelId; }

    /** Waits until the call has left Stasis (hung up or back in the dialplan). */
    public Result await(Duration timeout) {
        try {
            return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the simulated ARI call " + channelId + " to " + app + " was still in Stasis after "
                    + timeout.toMillis() + " ms; requests so far: " + requestsNow());
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /** The REST requests about this call so far (as in {@link Result#requests()}). */
    public List<String> requestsSoFar() { return requestsNow(); }

    /** True once the call left Stasis. */
    public boolean isDone() { return done.isDone(); }

    /** The next {@code bytes} of the looped audio (caller holds the simulator's lock). */
    byte[] nextAudio(int bytes) {
        audioFrames++;
        byte[] out = new byte[bytes];
        int even = audio.length & ~1;
        for (int i = 0; i < bytes; i++) {
            out[i] = audio[audioAt];
            audioAt = (audioAt + 1) % even;
        }
        return out;
    }

    List<String> requestsNow() {
        synchronized (sim.lock()) {
            return List.copyOf(requests);
        }
    }

    /**
     * How the call went.
     *
     * @param outcome     {@code continued} (back to the dialplan, STASISSTATUS=SUCCESS), {@code hungup} (the app hung
     *                    up), {@code caller-hungup}, or {@code failed} (no app was connected: STASISSTATUS=FAILED)
     * @param continuedAt where the dialplan went on ({@code context,extension,priority} or the label), or null
     * @param played      media URIs in the order playbacks were started
     * @param requests    REST requests about this channel ({@code POST channels/<id>/answer}, ...)
     * @param pressed     keys the caller pressed
     * @param dtmfSent    DTMF the app sent to the caller
     * @param variables   channel variables at the end
     * @param audioFrames 20 ms frames of the caller's {@link #audio} sent to externalMedia channels bridged with the call
     */
    public record Result(String channelId, String outcome, String continuedAt, List<String> played, List<String> requests,
                         List<Character> pressed, List<String> dtmfSent, Map<String, String> variables, long audioFrames) {}
}
