package org.tinyphone.audio.level;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The caller's audio level: signed 16-bit little-endian mono PCM in, one level per window out.
 *
 * <p>The level of a window is its peak absolute sample value (0..32768) and, alongside, its RMS. The default
 * window is {@value #DEFAULT_WINDOW_SAMPLES} samples, 66 ms at 8 kHz, so about 15 levels per second (the
 * original Tinyphone sent one per 553 samples, about 14.5 per second). Bytes may arrive in any chunking,
 * including a sample split across two chunks. No I/O and no allocation per sample; not thread-safe (feed it
 * from the one thread that reads the call's audio).
 */
public final class LevelMeter {

    /** Samples per window by default: 66 ms at 8 kHz. */
    public static final int DEFAULT_WINDOW_SAMPLES = 528;
    /** The window length in milliseconds that {@link #forSampleRate} uses. */
    public static final int WINDOW_MILLIS = 66;
    /** The level of a full-scale sample (-32768). */
    public static final int MAX_LEVEL = 32768;

    private final int windowSamples;
    private final LevelListener listener;

    private int count;          // samples in the current window
    private int peak;           // max |sample| in the current window
    private long sumSquares;    // sum of sample^2 in the current window (max 2^30 * 65535 per window fits)
    private int pendingLow = -1; // low byte of a sample split across chunks, or -1
    private long windows;

    /** A meter with the default 528-sample window (8 kHz audio). */
    public LevelMeter(LevelListener listener) {
        this(DEFAULT_WINDOW_SAMPLES, listener);
    }

    /** A meter with a window of {@code windowSamples} samples (1..65535). */
    public LevelMeter(int windowSamples, LevelListener listener) {
        if (windowSamples < 1 || windowSamples > 65535) {
            throw new IllegalArgumentException("window must be 1..65535 samples, was " + windowSamples);
        }
        this.windowSamples = windowSamples;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** A meter whose window is 66 ms at the given sample rate (8000 → 528 samples, 16000 → 1056). */
    public static LevelMeter forSampleRate(int sampleRate, LevelListener listener) {
        if (sampleRate < 1000 || sampleRate > 192000) {
            throw new IllegalArgumentException("sample rate out of range: " + sampleRate);
        }
        return new LevelMeter(sampleRate * WINDOW_MILLIS / 1000, listener);
    }

    /** Feeds PCM bytes (s16le); calls the listener once for every window completed by them. */
    public void feed(byte[] pcm, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, pcm.length);
        int i = offset;
        int end = offset + length;
        if (length == 0) return;
        if (pendingLow >= 0) {
            sample((short) (pendingLow | (pcm[i++] << 8)));
            pendingLow = -1;
        }
        // local copies keep the hot loop in registers
        int c = count, p = peak;
        long sq = sumSquares;
        final int w = windowSamples;
        while (end - i >= 2) {
            int s = (short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8));
            i += 2;
            int a = s < 0 ? -s : s;
            if (a > p) p = a;
            sq += (long) s * s;
            if (++c == w) {
                count = 0; peak = 0; sumSquares = 0;
                emit(p, sq, w);
                c = 0; p = 0; sq = 0;
            }
        }
        count = c; peak = p; sumSquares = sq;
        if (i < end) pendingLow = pcm[i] & 0xff;
    }

    /** Feeds all bytes of an array. */
    public void feed(byte[] pcm) {
        feed(pcm, 0, pcm.length);
    }

    /** Feeds the remaining bytes of a buffer (its position moves to its limit). */
    public void feed(ByteBuffer pcm) {
        if (pcm.hasArray()) {
            feed(pcm.array(), pcm.arrayOffset() + pcm.position(), pcm.remaining());
            pcm.position(pcm.limit());
        } else {
            while (pcm.hasRemaining()) {
                if (pendingLow >= 0) {
                    int low = pendingLow;
                    pendingLow = -1;
                    sample((short) (low | (pcm.get() << 8)));
                } else if (pcm.remaining() >= 2) {
                    int low = pcm.get() & 0xff;
                    sample((short) (low | (pcm.get() << 8)));
                } else {
                    pendingLow = pcm.get() & 0xff;
                }
            }
        }
    }

    /** Feeds one sample. */
    public void sample(short s) {
        int a = s < 0 ? -s : s;
        if (a > peak) peak = a;
        sumSquares += (long) s * s;
        if (++count == windowSamples) {
            int p = peak;
            long sq = sumSquares;
            count = 0; peak = 0; sumSquares = 0;
            emit(p, sq, windowSamples);
        }
    }

    private void emit(int p, long sq, int n) {
        windows++;
        listener.level(p, (int) Math.sqrt((double) sq / n));
    }

    /** Drops the partial window and any half sample (e.g. when the audio restarts). */
    public void reset() {
        count = 0;
        peak = 0;
        sumSquares = 0;
        pendingLow = -1;
    }

    /** Samples per window. */
    public int windowSamples() {
        return windowSamples;
    }

    /** Windows completed so far. */
    public long windows() {
        return windows;
    }
}
