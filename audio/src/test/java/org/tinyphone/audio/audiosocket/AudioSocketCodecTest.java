package org.tinyphone.audio.audiosocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Frames as capture 07a shows them on the wire. */
class AudioSocketCodecTest {

    static final HexFormat HEX = HexFormat.of();
    static final UUID CALL = UUID.fromString("40325ec2-5efd-4bd3-805f-53576e581d13");

    static List<AudioSocketFrame> decodeAll(AudioSocketCodec.Decoder d, byte[] bytes, int chunk) throws Exception {
        List<AudioSocketFrame> out = new ArrayList<>();
        for (int off = 0; off < bytes.length; off += chunk) {
            d.feed(bytes, off, Math.min(chunk, bytes.length - off));
            for (AudioSocketFrame f; (f = d.next()) != null; ) out.add(f);
        }
        return out;
    }

    @Test
    void framesFromAsteriskDecodeAsCaptured() throws Exception {
        // 07a: UUID header 010010 + 16 bytes, DTMF '1' = 03000131, then a 320-byte audio frame
        byte[] audio = new byte[320];
        audio[0] = 0x02;
        audio[2] = 0x01;
        byte[] wire = HEX.parseHex("010010" + "40325ec25efd4bd3805f53576e581d13" + "03000131" + "030001" + "23" + "100140"
                + HEX.formatHex(audio));
        for (int chunk : new int[] {1, 2, 3, 5, 64, wire.length}) {
            List<AudioSocketFrame> frames = decodeAll(new AudioSocketCodec.Decoder(), wire, chunk);
            assertThat(frames).as("chunk %d", chunk).hasSize(4);
            assertThat(frames.get(0).uuid()).isEqualTo(CALL);
            assertThat(frames.get(1).digit()).isEqualTo('1');
            assertThat(frames.get(2).digit()).isEqualTo('#');
            assertThat(frames.get(3).isAudio()).isTrue();
            assertThat(frames.get(3).sampleRate()).isEqualTo(8000);
            assertThat(frames.get(3).payload()).isEqualTo(audio);
        }
    }

    @Test
    void framesWeSendEncodeAsAsteriskExpects() {
        assertThat(HEX.formatHex(AudioSocketCodec.encode(AudioSocketFrame.hangup()))).isEqualTo("000000");
        assertThat(HEX.formatHex(AudioSocketCodec.encode(AudioSocketFrame.uuid(CALL))))
                .isEqualTo("010010" + "40325ec25efd4bd3805f53576e581d13");
        assertThat(HEX.formatHex(AudioSocketCodec.encode(AudioSocketFrame.dtmf('9')))).isEqualTo("03000139");
        assertThat(HEX.formatHex(AudioSocketCodec.encode(AudioSocketFrame.audio(new byte[320])))).startsWith("100140");
        assertThat(AudioSocketCodec.encode(AudioSocketFrame.audio(new byte[276]))).hasSize(279); // 07a's last frame
        assertThat(HEX.formatHex(AudioSocketCodec.encode(AudioSocketFrame.error(1)))).isEqualTo("ff000101");
    }

    @Test
    void higherRateAudioTypes() throws Exception {
        int[] rates = {8000, 12000, 16000, 24000, 32000, 44100, 48000, 96000, 192000};
        for (int i = 0; i < rates.length; i++) {
            AudioSocketFrame f = AudioSocketFrame.audio(rates[i], new byte[4]);
            assertThat(f.type()).isEqualTo(0x10 + i);
            AudioSocketCodec.Decoder d = new AudioSocketCodec.Decoder();
            byte[] wire = AudioSocketCodec.encode(f);
            d.feed(wire, 0, wire.length);
            assertThat(d.next().sampleRate()).isEqualTo(rates[i]);
        }
        assertThatThrownBy(() -> AudioSocketFrame.audio(11025, new byte[2])).hasMessageContaining("11025");
    }

    @Test
    void errorsSayWhatIsWrong() {
        assertThat(error("020000")).contains("unknown AudioSocket frame type 0x02").contains("frame #1");
        assertThat(error("47455420")).contains("unknown AudioSocket frame type 0x47"); // "GET " — an HTTP client
        assertThat(error("01000f" + "00".repeat(15))).contains("UUID frame must carry 16 bytes");
        assertThat(error("030002" + "3131")).contains("DTMF frame must carry 1 byte");
        assertThat(error("03000178")).contains("no digit: 0x78");
        assertThat(error("000001" + "00")).contains("hangup frame with a payload");
        assertThat(error("10ffff")).contains("65535 bytes exceeds the limit of 16384");
        // the header is checked before its payload is waited for
        assertThat(error("104001")).contains("exceeds the limit");
    }

    @Test
    void aFrameSplitAnywhereWaitsForItsRest() throws Exception {
        AudioSocketCodec.Decoder d = new AudioSocketCodec.Decoder();
        byte[] wire = AudioSocketCodec.encode(AudioSocketFrame.audio(new byte[1000]));
        d.feed(wire, 0, 2);
        assertThat(d.next()).isNull();
        d.feed(wire, 2, 500);
        assertThat(d.next()).isNull();
        assertThat(d.buffered()).isEqualTo(502);
        d.feed(wire, 502, wire.length - 502);
        assertThat(d.next().payload()).hasSize(1000);
        assertThat(d.next()).isNull();
        assertThat(d.buffered()).isZero();
        assertThat(d.frames()).isEqualTo(1);
    }

    static String error(String hex) {
        AudioSocketCodec.Decoder d = new AudioSocketCodec.Decoder();
        byte[] b = HEX.parseHex(hex);
        d.feed(b, 0, b.length);
        try {
            d.next();
        } catch (AudioSocketProtocolException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for " + hex);
    }
}
