package org.tinyphone.sim.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.Transcript;

class PcmTest {

    @Test
    void theWavOfTheEagiCaptureHoldsTheSameSamplesAsTheRawFile() throws IOException {
        byte[] raw;
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.raw")) {
            raw = in.readAllBytes();
        }
        try (InputStream wav = Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            assertThat(Pcm.fromWav(wav)).isEqualTo(raw);
        }
    }

    @Test
    void loadTakesWavOrRawFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        byte[] raw;
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.raw")) {
            raw = in.readAllBytes();
        }
        java.nio.file.Path wav = dir.resolve("call.wav");
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            java.nio.file.Files.copy(in, wav);
        }
        assertThat(Pcm.load(wav)).isEqualTo(raw);
        assertThat(Pcm.load(java.nio.file.Files.write(dir.resolve("call.sln"), raw))).isEqualTo(raw);
    }

    @Test
    void otherWavFormatsAreRefusedWithWhatTheyAre() throws IOException {
        byte[] wav;
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            wav = in.readAllBytes();
        }
        byte[] stereo = Arrays.copyOf(wav, wav.length);
        stereo[22] = 2; // channels
        assertThatThrownBy(() -> Pcm.fromWav(new ByteArrayInputStream(stereo)))
                .hasMessageContaining("PCM 16-bit mono 8000 Hz").hasMessageContaining("2 channel(s)");
        assertThatThrownBy(() -> Pcm.fromWav(new ByteArrayInputStream("hello".getBytes())))
                .hasMessageContaining("not a WAV file");
    }

    @Test
    void toneHasTheAmplitudeAskedForAndSilenceIsZero() {
        byte[] tone = Pcm.tone(440, Duration.ofMillis(100), 10000);
        assertThat(tone).hasSize(1600);
        assertThat(Pcm.peak(tone, 0, tone.length)).isBetween(9900, 10000);
        byte[] silence = Pcm.silence(Duration.ofMillis(20));
        assertThat(silence).hasSize(320);
        assertThat(Pcm.peak(silence, 0, silence.length)).isZero();
        assertThat(Pcm.peak(new byte[] {0, (byte) 0x80}, 0, 2)).isEqualTo(32768);
    }
}
