package org.tinyphone.server.stream;

import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.audio.codec.Resampler;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.AudioFormat;
import org.tinyphone.server.bridge.AudioSink;

/**
 * The clients listening to one call's audio ({@code listen}, docs/protocol.md): the caller's audio as the ingress hands
 * it to {@link CallAudio#audio}, cut into 20 ms frames, converted once per format someone listens in (µ-law 8 kHz, slin
 * 8 or 16 kHz; {@code org.tinyphone.audio.codec}) and offered to each listener, who drops what it cannot take: nothing
 * here waits for a client. At most {@value #MAX_PER_CALL} listeners per call. A listener that ended by itself (it
 * stopped listening, its client left) is forgotten at the next frame.
 */
final class Listeners {
    private static final Logger log = LoggerFactory.getLogger(Listeners.class);
    /** Clients that may listen to one call at once. */
    static final int MAX_PER_CALL = 16;

    private record Entry(AudioSink sink, AudioFormat format) {}

    private final MediaStreams owner;
    private final String callId;
    private final CopyOnWriteArrayList<Entry> entries = new CopyOnWriteArrayList<>();
    private String ended; // guarded by this: why no listener may be added any more

    // the ingress's audio thread only:
    private byte[] frame = new byte[0];
    private int fill;
    private int rate;
    private Resampler up;
    private Resampler down;
    private boolean saidRate;

    Listeners(MediaStreams owner, String callId) {
        this.owner = owner;
        this.callId = callId;
    }

    /** Adds a listener; null when it was added, else why not. */
    synchronized String add(AudioSink sink, AudioFormat format) {
        if (ended != null) return ended;
        if (!sink.open()) return "the listener has gone"; // its client left while the listen waited for the call's audio
        entries.removeIf(e -> !e.sink().open());
        if (entries.size() >= MAX_PER_CALL) {
            return "call " + callId + " has " + MAX_PER_CALL + " listeners already, the most one call may have";
        }
        entries.add(new Entry(sink, format));
        owner.listens.increment();
        return null;
    }

    /** Ends every listener with {@code reason}; none may be added after. */
    void end(String reason) {
        synchronized (this) {
            if (ended == null) ended = "the call's audio has ended (" + reason + ")";
        }
        for (Entry e : entries) e.sink().end(reason);
        entries.clear();
    }

    /** The caller's audio (slin at {@code sampleRate}, any chunking), from the ingress's one audio thread. */
    void audio(int sampleRate, byte[] pcm, int offset, int length) {
        if (entries.isEmpty()) {
            fill = 0; // nobody listens: the next listener's first frame starts with its own audio
            return;
        }
        if (sampleRate != 8000 && sampleRate != 16000) {
            if (!saidRate) {
                saidRate = true;
                log.warn("call {}: caller audio at {} Hz cannot be listened to (8000 or 16000 only)", LogText.escape(callId),
                        sampleRate);
                end("the caller's audio is at " + sampleRate + " Hz: only 8000 and 16000 Hz can be listened to");
            }
            return;
        }
        if (sampleRate != rate) {
            rate = sampleRate;
            frame = new byte[sampleRate / 50 * 2];
            fill = 0;
        }
        for (int i = offset, end = offset + length; i < end; ) {
            int n = Math.min(frame.length - fill, end - i);
            System.arraycopy(pcm, i, frame, fill, n);
            fill += n;
            i += n;
            if (fill == frame.length) {
                fill = 0;
                deliver(frame);
            }
        }
    }

    /** One whole 20 ms frame at {@link #rate}: converted once per format that is listened in, then offered. */
    private void deliver(byte[] slin) {
        long now = System.currentTimeMillis();
        byte[] ulaw = null;
        byte[] slin8 = null;
        byte[] slin16 = null;
        boolean closed = false;
        for (Entry e : entries) {
            AudioSink sink = e.sink();
            if (!sink.open()) {
                closed = true;
                continue;
            }
            byte[] audio = switch (e.format()) {
                case SLIN -> slin8 != null ? slin8 : (slin8 = rate == 8000 ? slin.clone() : down().process(slin, 0, slin.length));
                case SLIN16 -> slin16 != null ? slin16 : (slin16 = rate == 16000 ? slin.clone() : up().process(slin, 0, slin.length));
                case ULAW -> {
                    if (ulaw == null) {
                        byte[] s8 = slin8 != null ? slin8 : (slin8 = rate == 8000 ? slin.clone() : down().process(slin, 0, slin.length));
                        ulaw = Mulaw.fromPcm(s8, 0, s8.length);
                    }
                    yield ulaw;
                }
            };
            if (sink.frame(audio, now)) owner.framesToClients.increment();
            else if (sink.open()) owner.droppedToClients.increment();
        }
        if (closed) entries.removeIf(x -> !x.sink().open());
    }

    // one resampler each way per call: each keeps the last samples, so the frames join up as one signal
    private Resampler up() {
        if (up == null) up = Resampler.upsampler();
        return up;
    }

    private Resampler down() {
        if (down == null) down = Resampler.downsampler();
        return down;
    }
}
