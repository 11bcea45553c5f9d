package org.tinyphone.audio.codec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** 8 ↔ 16 kHz: tones in the telephone band keep their shape, what is above 4 kHz does not fold back, any chunking. */
class ResamplerTest {

    static byte[] tone(double hz, int rate, int samples, int amplitude) {
        byte[] pcm = new byte[samples * 2];
        for (int n = 0; n < samples; n++) {
            int s = (int) Math.round(amplitude * Math.sin(2 * Math.PI * hz * n / rate));
            pcm[2 * n] = (byte) s;
            pcm[2 * n + 1] = (byte) (s >> 8);
        }
        return pcm;
    }

    static int sample(byte[] pcm, int n) {
        return (short) ((pcm[2 * n] & 0xff) | (pcm[2 * n + 1] << 8));
    }

    static double rms(byte[] pcm, int from, int to) {
        double sum = 0;
        for (int n = from; n < to; n++) sum += (double) sample(pcm, n) * sample(pcm, n);
        return Math.sqrt(sum / (to - from));
    }

    /** Largest difference between {@code got} (delayed by {@code delay} samples) and {@code want}, after the start. */
    static int maxError(byte[] got, byte[] want, int delay, int skip) {
        int worst = 0;
        int n = Math.min(got.length, want.length) / 2;
        for (int i = skip; i + delay < n; i++) worst = Math.max(worst, Math.abs(sample(got, i + delay) - sample(want, i)));
        return worst;
    }

    @Test
    void upsamplingA1kHzToneGivesThe1kHzToneAt16kHz() {
        byte[] in = tone(1000, 8000, 800, 10000);
        byte[] out = Resampler.upsampler().process(in, 0, in.length);
        assertThat(out).hasSize(in.length * 2);
        int err = maxError(out, tone(1000, 16000, 1600, 10000), Resampler.DELAY_16K, 40);
        assertThat(err).isLessThan(150); // 1.5 % of the amplitude
    }

    @Test
    void downsamplingKeepsTheBandAndRemovesWhatWouldFoldBack() {
        byte[] low = tone(1000, 16000, 1600, 10000);
        byte[] out = Resampler.downsampler().process(low, 0, low.length);
        assertThat(out).hasSize(low.length / 2);
        // the filter delays by 15 samples at 16 kHz = 7.5 at 8 kHz: compare against the tone shifted by that
        byte[] want = new byte[1600];
        for (int n = 0; n < 800; n++) {
            int s = (int) Math.round(10000 * Math.sin(2 * Math.PI * 1000 * (n - 7.5) / 8000));
            want[2 * n] = (byte) s;
            want[2 * n + 1] = (byte) (s >> 8);
        }
        assertThat(maxError(out, want, 0, 20)).isLessThan(150);

        byte[] high = tone(6000, 16000, 1600, 10000); // would alias to 2 kHz without the filter
        byte[] folded = Resampler.downsampler().process(high, 0, high.length);
        assertThat(rms(folded, 20, 800)).isLessThan(10000 / Math.sqrt(2) / 100); // at least 40 dB down
    }

    @Test
    void upAndDownAgainGivesTheOriginalDelayedBy15Samples() {
        byte[] in = tone(440, 8000, 4000, 12000);
        byte[] up = Resampler.upsampler().process(in, 0, in.length);
        byte[] back = Resampler.downsampler().process(up, 0, up.length);
        assertThat(back).hasSize(in.length);
        assertThat(maxError(back, in, 2 * Resampler.DELAY_16K / 2, 20)).isLessThan(200);
    }

    @Test
    void anyChunkingGivesTheSameBytesAsOnePiece() {
        byte[] in = tone(700, 16000, 1000, 9000);
        for (boolean upwards : new boolean[] {true, false}) {
            byte[] whole = (upwards ? Resampler.upsampler() : Resampler.downsampler()).process(in, 0, in.length);
            for (int chunk : new int[] {1, 3, 320, 641}) {
                Resampler r = upwards ? Resampler.upsampler() : Resampler.downsampler();
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                for (int off = 0; off < in.length; off += chunk) out.writeBytes(r.process(in, off, Math.min(chunk, in.length - off)));
                assertThat(out.toByteArray()).as("%s in chunks of %d", upwards ? "up" : "down", chunk).isEqualTo(whole);
            }
        }
    }
}
