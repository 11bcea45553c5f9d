package org.tinyphone.sim.call;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * A caller into {@code Stasis(app,args)} on a simulated ARI Asterisk that the server's ARI client is connected to
 * ({@code ari.url}): the channel enters Stasis with the caller id, {@code CALLERID(dnid)} and the args, the caller
 * presses the keys on the {@link KeyPad}'s clock (each a {@code ChannelDtmfReceived}), its audio goes to an
 * externalMedia AudioSocket channel when the server bridges one with the call, and it hangs up when the keypad says
 * so, unless the server hung up or sent the call back to the dialplan first.
 */
final class AriCaller {
    /** Loop length of the caller's audio sent over externalMedia. */
    private static final Duration AUDIO_LOOP = Duration.ofSeconds(10);

    private AriCaller() {}

    static CallResult place(SimulatedCall call, SimulatedAriAsterisk asterisk, String app) throws InterruptedException {
        long started = System.nanoTime();
        KeyPad keypad = new KeyPad(call);
        SimulatedAriCall ari = asterisk.call(app).callerId(call.from(), call.name() == null ? "" : call.name()).dnid(call.to())
                .args(call.args().toArray(String[]::new)).giveUpAfter(Duration.ofHours(1));
        if (call.audio() != null) ari.audio(loop(call.audio()));
        ari.place();
        CompletableFuture<SimulatedAriCall.Result> done = CompletableFuture.supplyAsync(() -> ari.await(Duration.ofDays(1)),
                r -> Thread.ofVirtual().start(r));
        done.whenComplete((r, e) -> keypad.hangUp());
        StringBuilder pressed = new StringBuilder();
        while (true) {
            int key = keypad.awaitKey(-1);
            if (key == KeyPad.HANGUP) break;
            if (done.isDone()) continue;
            ari.press((char) key);
            pressed.append((char) key);
        }
        if (!done.isDone()) ari.hangup();
        SimulatedAriCall.Result r = ari.await(Duration.ofSeconds(30));
        return new CallResult(Via.ARI, r.channelId(), pressed.toString(), r.requests(),
                r.outcome().equals("caller-hungup") ? CallResult.EndedBy.CALLER : CallResult.EndedBy.SERVER, r.audioFrames(),
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** The first {@link #AUDIO_LOOP} of the caller's audio, looped by the simulated Asterisk. */
    private static byte[] loop(AudioSource audio) {
        AudioSource.Frames frames = audio.open();
        int n = (int) (AUDIO_LOOP.toMillis() / 20);
        byte[] out = new byte[n * AudioSource.FRAME_BYTES];
        for (int i = 0; i < n; i++) System.arraycopy(frames.next(), 0, out, i * AudioSource.FRAME_BYTES, AudioSource.FRAME_BYTES);
        return out;
    }
}
