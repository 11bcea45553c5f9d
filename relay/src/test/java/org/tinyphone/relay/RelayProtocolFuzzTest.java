package org.tinyphone.relay;

import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.tinyphone.sim.fuzz.SegmentedInputStream;

/**
 * The start of a connection to the relay port and the tunnel's frames, with any bytes: the greeting is taken only
 * when it is exactly there (else the stream is left untouched for the original hub's lines), frames are read as
 * written ({@link RelayProtocol#writeFrame} writes back the very bytes), and a stream cut inside a frame is an
 * {@link EOFException} that says so.
 */
class RelayProtocolFuzzTest {
    private static final byte[] MAGIC = RelayProtocol.MAGIC.getBytes(StandardCharsets.US_ASCII);

    @FuzzTest
    void tunnel(FuzzedDataProvider data) throws IOException {
        int[] cuts = {data.consumeInt(1, 3), data.consumeInt(1, 600), data.consumeInt(1, 20)};
        byte[] wire = data.consumeRemainingAsBytes();

        BufferedInputStream in = new BufferedInputStream(new SegmentedInputStream(wire, cuts), 64);
        boolean greeted = RelayProtocol.acceptGreeting(in);
        int greeting = startsWith(wire, MAGIC, "\n") ? MAGIC.length + 1 : startsWith(wire, MAGIC, "\r\n") ? MAGIC.length + 2 : 0;
        require(greeted == (greeting > 0), "the greeting is taken exactly when it is there");
        byte[] rest = in.readAllBytes();
        require(Arrays.equals(rest, Arrays.copyOfRange(wire, greeting, wire.length)), "nothing else is consumed");

        String first = RelaySession.readFirstLine(new ByteArrayInputStream(wire));
        require(RelayProtocol.isGreeting(first) == (greeting > 0), "the first line is the greeting exactly when it is there");
        require(RelayProtocol.startsLikeGreeting(wire, wire.length) == (wire.length > 0
                && Arrays.equals(wire, 0, Math.min(wire.length, MAGIC.length + 1), (RelayProtocol.MAGIC + "\n").getBytes(StandardCharsets.US_ASCII), 0, Math.min(wire.length, MAGIC.length + 1))),
                "startsLikeGreeting compares the prefix");

        SegmentedInputStream frames = new SegmentedInputStream(wire, cuts);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        boolean clean;
        try {
            for (RelayProtocol.Frame f; (f = RelayProtocol.readFrame(frames)) != null; ) {
                require(f.payload().length <= RelayProtocol.MAX_PAYLOAD && f.type() >= 0 && f.type() <= 255, "a frame as the format allows");
                RelayProtocol.writeFrame(again, f.type(), f.payload(), 0, f.payload().length);
                f.text();
            }
            clean = true;
        } catch (EOFException e) {
            documented(e, EOFException.class);
            clean = false;
        }
        byte[] read = again.toByteArray();
        require(Arrays.equals(read, Arrays.copyOf(wire, read.length)), "frames write back as the bytes they came from");
        require(clean == (read.length == wire.length), "the stream ends cleanly exactly when it ends between frames");
    }

    private static boolean startsWith(byte[] wire, byte[] magic, String end) {
        byte[] e = end.getBytes(StandardCharsets.US_ASCII);
        if (wire.length < magic.length + e.length) return false;
        return Arrays.equals(wire, 0, magic.length, magic, 0, magic.length)
                && Arrays.equals(wire, magic.length, magic.length + e.length, e, 0, e.length);
    }
}
