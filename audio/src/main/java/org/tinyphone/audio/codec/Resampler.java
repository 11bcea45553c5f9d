package org.tinyphone.audio.codec;

/**
 * Sample-rate conversion by two for slin (16-bit little-endian mono): 8 kHz to 16 kHz ({@link #upsampler()}) and
 * 16 kHz to 8 kHz ({@link #downsampler()}). One per stream: it keeps the last samples between calls, so a signal cut
 * into frames of any size (even an odd number of bytes) comes out as if converted in one piece. Not thread-safe.
 *
 * <p>Neither the JDK ({@code javax.sound.sampled} has no sample-rate converter) nor a small well-kept library on Maven
 * Central does this for 16-bit frames without pulling in a DSP framework, so it is written here, plainly: one
 * low-pass FIR filter of {@value #TAPS} taps (a windowed sinc, Blackman window, cut-off 3.7 kHz), applied at 16 kHz.
 * Up: each 8 kHz sample is followed by a zero and the result filtered (gain 2), which removes the image above 4 kHz.
 * Down: filtered, then every second sample kept, so nothing above 4 kHz folds back into the telephone band. The
 * filter delays the signal by {@value #DELAY_16K} samples at 16 kHz each way (under a millisecond); the first output
 * starts from silence.
 */
public final class Resampler {
    /** Filter length. */
    static final int TAPS = 31;
    /** The filter's delay, in samples at 16 kHz. */
    static final int DELAY_16K = (TAPS - 1) / 2;
    private static final double[] H = lowPass(3700.0 / 16000.0);

    private final boolean up;
    /** The last {@link #TAPS} samples at 16 kHz, newest at {@code pos - 1}. */
    private final double[] history = new double[TAPS];
    private int pos;
    private int phase;     // down: 0 when the next 16 kHz sample gives an output, 1 when it is dropped
    private int oddByte = -1; // a low byte waiting for its high byte

    private Resampler(boolean up) {
        this.up = up;
    }

    /** 8 kHz in, 16 kHz out (twice the samples). */
    public static Resampler upsampler() {
        return new Resampler(true);
    }

    /** 16 kHz in, 8 kHz out (half the samples). */
    public static Resampler downsampler() {
        return new Resampler(false);
    }

    /** Converts the next piece of the signal. */
    public byte[] process(byte[] pcm, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, pcm.length);
        int available = length + (oddByte >= 0 ? 1 : 0);
        int samples = available / 2;
        byte[] out = new byte[up ? samples * 4 : (samples + 1 - phase) / 2 * 2];
        int o = 0;
        int i = offset;
        int end = offset + length;
        for (int n = 0; n < samples; n++) {
            int lo;
            if (oddByte >= 0) {
                lo = oddByte;
                oddByte = -1;
            } else {
                lo = pcm[i++] & 0xff;
            }
            int s = (short) (lo | (pcm[i++] << 8));
            if (up) {
                o = put(out, o, 2 * push(s));
                o = put(out, o, 2 * push(0));
            } else {
                double y = push(s);
                if (phase == 0) {
                    o = put(out, o, y);
                }
                phase ^= 1;
            }
        }
        if (i < end) oddByte = pcm[i] & 0xff;
        return o == out.length ? out : java.util.Arrays.copyOf(out, o);
    }

    /** Adds a 16 kHz sample and returns the filter's output for it. */
    private double push(double sample) {
        history[pos] = sample;
        pos = (pos + 1) % TAPS;
        double acc = 0;
        int j = pos; // oldest
        for (int k = TAPS - 1; k >= 0; k--) {
            acc += H[k] * history[j];
            if (++j == TAPS) j = 0;
        }
        return acc;
    }

    private static int put(byte[] out, int o, double value) {
        long r = Math.round(value);
        int s = (int) Math.max(-32768, Math.min(32767, r));
        out[o] = (byte) s;
        out[o + 1] = (byte) (s >> 8);
        return o + 2;
    }

    /** A windowed-sinc low-pass, {@code cutoff} as a fraction of the sample rate, gain 1 at 0 Hz. */
    private static double[] lowPass(double cutoff) {
        double[] h = new double[TAPS];
        double sum = 0;
        int m = TAPS - 1;
        for (int n = 0; n < TAPS; n++) {
            double x = n - m / 2.0;
            double sinc = x == 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
            double w = 0.42 - 0.5 * Math.cos(2 * Math.PI * n / m) + 0.08 * Math.cos(4 * Math.PI * n / m);
            h[n] = sinc * w;
            sum += h[n];
        }
        for (int n = 0; n < TAPS; n++) h[n] /= sum;
        return h;
    }
}
