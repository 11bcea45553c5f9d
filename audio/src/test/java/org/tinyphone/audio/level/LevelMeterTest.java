package org.tinyphone.audio.level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.EagiCaptures;

/** The meter against the real EAGI capture: 04c's audio must give 04d's peak and RMS per 66 ms window. */
class LevelMeterTest {

    record Level(int peak, int rms) {}

    static List<Level> measure(byte[] pcm, int chunk) {
        List<Level> out = new ArrayList<>();
        LevelMeter meter = new LevelMeter((p, r) -> out.add(new Level(p, r)));
        for (int off = 0; off < pcm.length; off += chunk) {
            meter.feed(pcm, off, Math.min(chunk, pcm.length - off));
        }
        return out;
    }

    @Test
    void peaksAndRmsOfTheEagiCaptureMatchTheRecordedWindows() throws IOException {
        byte[] pcm = EagiCaptures.eagiAudio();
        List<EagiCaptures.Window> rows = EagiCaptures.peakWindows();
        assertThat(rows).hasSize(246); // 16.2 s of tt-monkeys
        List<Level> levels = measure(pcm, 320); // Asterisk writes 320-byte reads on fd 3
        // 5 s = 40000 samples = 75 full windows of 528; the 76th is partial and not emitted
        assertThat(levels).hasSize(75);
        for (int w = 0; w < levels.size(); w++) {
            EagiCaptures.Window row = rows.get(w);
            assertThat(row.index()).isEqualTo(w);
            assertThat(row.startMillis()).isEqualTo(w * 66);
            assertThat(levels.get(w)).as("window %d", w).isEqualTo(new Level(row.peak(), row.rms()));
        }
        assertThat(levels.get(1).peak()).isEqualTo(9623);
    }

    @Test
    void chunkingDoesNotMatterEvenWithSamplesSplitAcrossChunks() throws IOException {
        byte[] pcm = EagiCaptures.eagiAudio();
        List<Level> reference = measure(pcm, pcm.length);
        for (int chunk : new int[] {1, 3, 7, 319, 321, 1055, 2240}) {
            assertThat(measure(pcm, chunk)).as("chunk %d", chunk).isEqualTo(reference);
        }
        List<Level> viaBuffers = new ArrayList<>();
        LevelMeter direct = new LevelMeter((p, r) -> viaBuffers.add(new Level(p, r)));
        for (int off = 0; off < pcm.length; off += 333) {
            int n = Math.min(333, pcm.length - off);
            ByteBuffer b = ByteBuffer.allocateDirect(n);
            b.put(pcm, off, n).flip();
            direct.feed(b);
            assertThat(b.hasRemaining()).isFalse();
        }
        assertThat(viaBuffers).isEqualTo(reference);
    }

    @Test
    void fullScaleNegativeSampleIs32768AndSilenceIsZero() {
        List<Level> out = new ArrayList<>();
        LevelMeter meter = new LevelMeter(4, (p, r) -> out.add(new Level(p, r)));
        meter.feed(samples(0, 0, 0, 0));
        meter.feed(samples(0, -32768, 5, 0));
        meter.feed(samples(32767, 32767, 32767, 32767));
        meter.feed(samples(3, -4, 3, -4));
        assertThat(out).containsExactly(
                new Level(0, 0),
                new Level(32768, 16384), // sqrt((32768^2 + 25) / 4) = 16384.0004
                new Level(32767, 32767),
                new Level(4, 3)); // sqrt(50/4) = 3.54
        assertThat(meter.windows()).isEqualTo(4);
    }

    @Test
    void aPartialWindowWaitsForMoreAudioAndResetDropsIt() {
        List<Level> out = new ArrayList<>();
        LevelMeter meter = new LevelMeter(3, (p, r) -> out.add(new Level(p, r)));
        meter.feed(samples(1000, 2000));
        assertThat(out).isEmpty();
        meter.feed(new byte[] {(byte) 0xd0}); // low byte of 2000 (0x07d0): half a sample
        meter.feed(new byte[] {0x07});       // its high byte in the next chunk
        assertThat(out).containsExactly(new Level(2000, (int) Math.sqrt((1e6 + 4e6 + 4e6) / 3)));
        meter.feed(samples(9, 9));
        meter.feed(new byte[] {1});
        meter.reset();
        meter.feed(samples(7, 7, 7));
        assertThat(out).last().isEqualTo(new Level(7, 7));
    }

    @Test
    void quietLineNoiseGivesSmallLevels() {
        List<Level> out = new ArrayList<>();
        LevelMeter meter = new LevelMeter((p, r) -> out.add(new Level(p, r)));
        short[] noise = new short[528 * 10];
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < noise.length; i++) noise[i] = (short) (random.nextInt(41) - 20);
        meter.feed(samples(noise));
        assertThat(out).hasSize(10).allSatisfy(l -> {
            assertThat(l.peak()).isBetween(1, 20);
            assertThat(l.rms()).isLessThan(20);
        });
    }

    @Test
    void windowFollowsTheSampleRate() {
        assertThat(LevelMeter.forSampleRate(8000, (p, r) -> {}).windowSamples()).isEqualTo(528);
        assertThat(LevelMeter.forSampleRate(16000, (p, r) -> {}).windowSamples()).isEqualTo(1056);
        assertThat(LevelMeter.forSampleRate(48000, (p, r) -> {}).windowSamples()).isEqualTo(3168);
        assertThatThrownBy(() -> new LevelMeter(0, (p, r) -> {})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LevelMeter((p, r) -> {}).feed(new byte[4], 2, 4))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    static byte[] samples(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) b.putShort((short) v);
        return b.array();
    }

    static byte[] samples(short... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) b.putShort(v);
        return b.array();
    }
}
