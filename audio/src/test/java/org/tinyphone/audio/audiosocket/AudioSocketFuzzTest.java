package org.tinyphone.audio.audiosocket;

import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.oneIn;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tinyphone.sim.fuzz.RepeatingInputStream;

/**
 * AudioSocket frames from a peer, as {@link AudioSocketCodec.Decoder} gets them: the same frames however TCP cut the
 * bytes, each within the limits (known type, payload within the maximum, the sizes each type must have), the
 * encoder writes back exactly the bytes they came from, no more than one frame is ever held, and the only error
 * is {@link AudioSocketProtocolException} saying what is wrong. And what the encoder writes, the decoder reads back.
 */
class AudioSocketFuzzTest {

    @FuzzTest
    void frames(FuzzedDataProvider data) throws Exception {
        int maxPayload = data.consumeInt(16, 4096);
        int[] cuts = {data.consumeInt(1, 3), data.consumeInt(1, 700), data.consumeInt(1, 40)};
        int type = data.consumeInt(0, 255);
        byte[] ours = data.consumeBytes(data.consumeInt(0, 300));
        byte[] wire = data.consumeRemainingAsBytes();

        Decoded whole = decode(wire, maxPayload, new int[] {Math.max(1, wire.length)});
        Decoded pieces = decode(wire, maxPayload, cuts);
        require(whole.frames.equals(pieces.frames) && String.valueOf(whole.error).equals(String.valueOf(pieces.error)),
                () -> "the same frames however the bytes are cut: " + whole + " / " + pieces);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        for (AudioSocketFrame f : whole.frames) again.writeBytes(AudioSocketCodec.encode(f));
        require(Arrays.equals(again.toByteArray(), Arrays.copyOf(wire, again.size())), "frames encode back to their bytes");

        // the other way: a frame we send is read back as it was, or it is one no peer may send
        AudioSocketFrame sent = new AudioSocketFrame(type, ours);
        Decoded back = decode(AudioSocketCodec.encode(sent), maxPayload, new int[] {1});
        boolean valid = AudioSocketFrame.isKnownType(type) && ours.length <= maxPayload
                && (type != AudioSocketFrame.HANGUP || ours.length == 0)
                && (type != AudioSocketFrame.UUID_TYPE || ours.length == 16)
                && (type != AudioSocketFrame.DTMF || ours.length == 1 && AudioSocketFrame.isDtmf((char) (ours[0] & 0xff)));
        require(valid ? back.frames.equals(List.of(sent)) && back.error == null : back.error != null,
                "a frame reads back as sent, or is refused: " + sent + " -> " + back);

        if (oneIn(16, wire)) {
            // a peer that never stops: 16 KiB of the same bytes, read as the session reads them
            RepeatingInputStream in = new RepeatingInputStream(wire, 16 * 1024);
            AudioSocketCodec.Decoder d = new AudioSocketCodec.Decoder(maxPayload);
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    d.feed(buf, 0, n);
                    while (d.next() != null) { }
                    require(d.buffered() <= maxPayload + 2, () -> "at most one unfinished frame is held: " + d.buffered());
                }
            } catch (AudioSocketProtocolException e) {
                documented(e, AudioSocketProtocolException.class);
            }
        }
    }

    private record Decoded(List<AudioSocketFrame> frames, String error) { }

    private static Decoded decode(byte[] wire, int maxPayload, int[] cuts) {
        AudioSocketCodec.Decoder d = new AudioSocketCodec.Decoder(maxPayload);
        List<AudioSocketFrame> frames = new ArrayList<>();
        try {
            for (int off = 0, i = 0; off < wire.length; i++) {
                int n = Math.min(Math.max(1, cuts[i % cuts.length]), wire.length - off);
                d.feed(wire, off, n);
                off += n;
                for (AudioSocketFrame f; (f = d.next()) != null; ) {
                    check(f, maxPayload);
                    frames.add(f);
                }
                require(d.buffered() <= maxPayload + 2, () -> "at most one unfinished frame is held: " + d.buffered());
            }
        } catch (AudioSocketProtocolException e) {
            documented(e, AudioSocketProtocolException.class);
            return new Decoded(frames, e.getMessage().replaceAll("frame #\\d+", "frame #n"));
        }
        return new Decoded(frames, null);
    }

    private static void check(AudioSocketFrame f, int maxPayload) {
        require(AudioSocketFrame.isKnownType(f.type()) && f.payload().length <= maxPayload, "a known frame within the limit");
        switch (f.type()) {
            case AudioSocketFrame.HANGUP -> require(f.payload().length == 0, "hangup carries nothing");
            case AudioSocketFrame.UUID_TYPE -> f.uuid();
            case AudioSocketFrame.DTMF -> require(AudioSocketFrame.isDtmf(f.digit()), "DTMF is a digit");
            case AudioSocketFrame.ERROR -> f.errorCode();
            default -> require(f.sampleRate() >= 8000, "audio has its rate");
        }
        f.toString();
    }
}
