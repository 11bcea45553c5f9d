package org.tinyphone.server.stream;

import java.io.IOException;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.audio.codec.Resampler;
import org.tinyphone.server.bridge.AudioFormat;
import org.tinyphone.server.bridge.CommandResult;

/**
 * The audio clients send to one call ({@code send_audio}, docs/protocol.md), played to the caller at real time: one
 * queue per call for every client's audio, in the order it came (as the call's other commands), through a
 * {@link Player} paced at 20 ms. The audio is brought to the caller's own format on arrival (slin at the rate the
 * caller's audio comes in: 8 or 16 kHz), so any client may send any format. Bounded by {@code stream.play-buffer}: a
 * piece that does not fit as a whole is refused (the answer says so), never cut. Thread-safe.
 */
final class ClientPlayback implements AutoCloseable {
    private final MediaStreams owner;
    private final MediaStream.AudioBack back;
    private final int rate;
    private final Player player;
    private Resampler up;   // guarded by this: client audio to a 16 kHz caller
    private Resampler down; // guarded by this: 16 kHz client audio to an 8 kHz caller

    /** @param rate the caller's sample rate (8000 or 16000): what {@code back} is given */
    ClientPlayback(MediaStreams owner, String callId, MediaStream.AudioBack back, int rate) {
        this.owner = owner;
        this.back = back;
        this.rate = rate;
        this.player = new Player(owner.ticker(), this::play, name -> { }, owner.settings().playFrames(), 0,
                "audio-play " + callId, rate / 50 * 2);
    }

    /** Queues {@code audio} (whole samples of {@code format}); the answer's value is the milliseconds queued now. */
    synchronized CommandResult send(AudioFormat format, byte[] audio) {
        byte[] slin = toCaller(format, audio);
        int frameBytes = rate / 50 * 2;
        int frames = (slin.length + frameBytes - 1) / frameBytes;
        int queued = player.queued();
        int max = owner.settings().playFrames();
        if (queued + frames > max) {
            owner.droppedFromClients.add(frames);
            return CommandResult.failed("send_audio: " + queued * 20L + " ms of audio wait to be played already and "
                    + format.millis(audio.length) + " ms more do not fit (at most " + max * 20L
                    + " ms, stream.play-buffer): nothing of it was queued; send less ahead, or clear_audio");
        }
        player.media(slin); // fits: this is the only thread that adds
        return CommandResult.ok(Long.toString((queued + frames) * 20L));
    }

    /** Drops what waits to be played (at most the frame due now still plays); the value is the milliseconds dropped. */
    CommandResult clear() {
        int dropped = player.queued();
        player.clear();
        return CommandResult.ok(Long.toString(dropped * 20L));
    }

    /** The audio as slin at the caller's rate; resamplers keep state, so pieces join up as one signal. */
    private byte[] toCaller(AudioFormat format, byte[] audio) {
        byte[] slin = format == AudioFormat.ULAW ? Mulaw.toPcm(audio, 0, audio.length) : audio;
        int from = format.sampleRate();
        if (from == rate) return slin;
        if (rate == 16000) {
            if (up == null) up = Resampler.upsampler();
            return up.process(slin, 0, slin.length);
        }
        if (down == null) down = Resampler.downsampler();
        return down.process(slin, 0, slin.length);
    }

    /** One frame to the caller (the player's thread). */
    private void play(byte[] frame) throws IOException {
        back.play(rate, frame);
        owner.framesFromClients.increment();
    }

    /** The call ended, or its audio: what waits is dropped. */
    @Override
    public void close() {
        player.close();
    }
}
