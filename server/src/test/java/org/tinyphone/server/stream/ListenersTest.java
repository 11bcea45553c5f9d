package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.audio.codec.Resampler;
import org.tinyphone.server.bridge.AudioFormat;
import org.tinyphone.server.bridge.AudioSink;
import org.tinyphone.sim.audio.Pcm;

/**
 * One call's listeners, fed as an ingress feeds them: the caller's audio in any chunking at 8 or 16 kHz comes out in
 * whole 20 ms frames of each listener's format, the same signal for each; a listener that cannot take a frame loses only
 * that frame; the end reaches every listener once.
 */
class ListenersTest {

    /** A listener that keeps what it is given (and can be made to refuse frames, as a client that is behind). */
    static final class Kept implements AudioSink {
        final ByteArrayOutputStream audio = new ByteArrayOutputStream();
        final List<Integer> sizes = new ArrayList<>();
        final List<String> ends = new ArrayList<>();
        volatile boolean behind;
        volatile boolean open = true;

        @Override
        public boolean frame(byte[] frame, long time) {
            if (behind) return false;
            sizes.add(frame.length);
            audio.writeBytes(frame);
            return true;
        }

        @Override
        public void end(String reason) {
            ends.add(reason);
            open = false;
        }

        @Override
        public boolean open() {
            return open;
        }
    }

    /** Feeds {@code pcm} in pieces of 1, 2, 3, … 97 bytes (none of them a frame), as any chunking may come. */
    private static void feed(Listeners l, int rate, byte[] pcm) {
        int size = 1;
        for (int off = 0; off < pcm.length; off += size, size = size % 97 + 1) {
            l.audio(rate, pcm, off, Math.min(size, pcm.length - off));
        }
    }

    @Test
    void aCallerAtSixteenKilohertzIsHeardInEachFormatAsOneSignalInWholeFrames() {
        MediaStreams owner = MediaStreams.none();
        Listeners listeners = new Listeners(owner, "c1");
        Kept s16 = new Kept();
        Kept s8 = new Kept();
        Kept mu = new Kept();
        assertThat(listeners.add(s16, AudioFormat.SLIN16)).isNull();
        assertThat(listeners.add(s8, AudioFormat.SLIN)).isNull();
        assertThat(listeners.add(mu, AudioFormat.ULAW)).isNull();
        byte[] pcm16 = Resampler.upsampler().process(Pcm.tone(700, Duration.ofSeconds(1), 9000), 0, 16000); // 1 s at 16 kHz
        feed(listeners, 16000, pcm16);
        assertThat(s16.audio.toByteArray()).isEqualTo(pcm16);
        assertThat(s16.sizes).hasSize(50).allMatch(n -> n == 640);
        byte[] down = Resampler.downsampler().process(pcm16, 0, pcm16.length);
        assertThat(s8.audio.toByteArray()).isEqualTo(down);
        assertThat(s8.sizes).hasSize(50).allMatch(n -> n == 320);
        assertThat(mu.audio.toByteArray()).isEqualTo(Mulaw.fromPcm(down, 0, down.length));
        assertThat(mu.sizes).hasSize(50).allMatch(n -> n == 160);
        assertThat(owner.framesToClients.sum()).isEqualTo(150);
    }

    @Test
    void aListenerThatIsBehindLosesOnlyTheFramesItCouldNotTakeAndTheEndComesToEachOnce() {
        MediaStreams owner = MediaStreams.none();
        Listeners listeners = new Listeners(owner, "c1");
        Kept slow = new Kept();
        Kept fine = new Kept();
        listeners.add(slow, AudioFormat.SLIN);
        listeners.add(fine, AudioFormat.SLIN);
        byte[] pcm = Pcm.tone(440, Duration.ofMillis(200), 5000); // 10 frames
        listeners.audio(8000, pcm, 0, 320 * 4);
        slow.behind = true;
        listeners.audio(8000, pcm, 320 * 4, 320 * 3);
        slow.behind = false;
        listeners.audio(8000, pcm, 320 * 7, 320 * 3);
        assertThat(fine.audio.toByteArray()).isEqualTo(pcm);
        assertThat(slow.sizes).hasSize(7);
        assertThat(owner.droppedToClients.sum()).isEqualTo(3);
        listeners.end("hangup");
        listeners.end("hangup");
        assertThat(slow.ends).containsExactly("hangup");
        assertThat(fine.ends).containsExactly("hangup");
        assertThat(listeners.add(new Kept(), AudioFormat.ULAW)).isEqualTo("the call's audio has ended (hangup)");
    }

    @Test
    void audioAtARateThatCannotBeListenedToEndsTheListenersSayingWhy() {
        Listeners listeners = new Listeners(MediaStreams.none(), "c1");
        Kept k = new Kept();
        listeners.add(k, AudioFormat.ULAW);
        listeners.audio(24000, new byte[960], 0, 960);
        assertThat(k.ends).containsExactly("the caller's audio is at 24000 Hz: only 8000 and 16000 Hz can be listened to");
        assertThat(k.sizes).isEmpty();
    }
}
