package org.tinyphone.server.ingress;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tinyphone.net.LineReader;
import org.tinyphone.sim.fuzz.SegmentedInputStream;

/**
 * The original script's legacy lines on port 12001 ({@code id:<uniqueid>,event:<name>,value:<value>}), any bytes cut
 * anywhere: the line reader returns exactly the LF-ended lines and refuses one beyond its limit with an
 * {@link IOException}; {@link LegacyLine#parse} and the value readers accept what the format allows and refuse the
 * rest with an {@link IllegalArgumentException} that says why.
 */
class LegacyLineFuzzTest {

    @FuzzTest
    @DictionaryFile(resourcePath = "legacy-relay.dict")
    void lines(FuzzedDataProvider data) {
        int max = data.consumeBoolean() ? LegacyLine.MAX_LENGTH : data.consumeInt(1, 200);
        int[] cuts = {data.consumeInt(1, 300), data.consumeInt(1, 4)};
        byte[] wire = data.consumeRemainingAsBytes();

        LineReader reader = new LineReader(new SegmentedInputStream(wire, cuts), LineReader.Policy.lf(max));
        List<String> got = new ArrayList<>();
        boolean tooLong = false;
        try {
            for (String line; (line = reader.readLine()) != null; ) {
                got.add(line);
                read(line);
            }
        } catch (IOException e) {
            documented(e, IOException.class);
            tooLong = true;
        }
        // the lines as the format defines them: LF-ended (a CR before it dropped), the last one possibly unended
        List<String> want = new ArrayList<>();
        boolean wantTooLong = false;
        int start = 0;
        while (start < wire.length) {
            int lf = start;
            while (lf < wire.length && wire[lf] != '\n') lf++;
            if (lf - start > max) {
                wantTooLong = true;
                break;
            }
            String s = new String(Arrays.copyOfRange(wire, start, lf), UTF_8);
            want.add(s.endsWith("\r") ? s.substring(0, s.length() - 1) : s);
            start = lf + 1;
        }
        boolean refused = tooLong;
        boolean wantRefused = wantTooLong;
        require(got.equals(want) && refused == wantRefused,
                () -> "lines " + got + " (too long: " + refused + "), expected " + want + " (too long: " + wantRefused + ")");
    }

    private static void read(String line) {
        LegacyLine l;
        try {
            l = LegacyLine.parse(line);
        } catch (IllegalArgumentException e) {
            documented(e, IllegalArgumentException.class);
            return;
        }
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        require(("id:" + l.id() + ",event:" + l.event() + ",value:" + l.value()).equals(text), "the parts make the line");
        require(!l.id().isBlank(), "an id");
        try {
            LegacyLine.NewCall c = l.newCall();
            require(c.callerId() != null && c.dnid() != null && c.args() != null, "a new_call has its parts");
        } catch (IllegalArgumentException e) {
            documented(e, IllegalArgumentException.class);
        }
        try {
            require("0123456789*#".indexOf(l.key()) >= 0, "a key is one of 0-9 * #");
        } catch (IllegalArgumentException e) {
            documented(e, IllegalArgumentException.class);
        }
        try {
            l.level();
        } catch (IllegalArgumentException e) {
            documented(e, IllegalArgumentException.class);
        }
    }
}
