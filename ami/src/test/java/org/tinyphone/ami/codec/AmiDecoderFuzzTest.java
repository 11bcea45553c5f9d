package org.tinyphone.ami.codec;

import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.oneIn;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.tinyphone.agi.AgiException;
import org.tinyphone.ami.AmiResponse;
import org.tinyphone.ami.event.AmiEvents;
import org.tinyphone.sim.fuzz.RepeatingInputStream;

/**
 * Whatever bytes an AMI peer sends, as {@link AmiDecoder} gets them from the connection's reader: the decoder never
 * throws (problems go to {@code onError}), gives the same messages however TCP cut the bytes, never holds a line or
 * message beyond its limits (not even from a peer that never stops), and every message it hands out can be read
 * every way the library reads one: responses, event lists, the typed events, AsyncAGI's environment and result.
 */
class AmiDecoderFuzzTest {

    @FuzzTest
    @DictionaryFile(resourcePath = "ami.dict")
    void decode(FuzzedDataProvider data) throws IOException {
        boolean banner = data.consumeBoolean();
        int maxLine = data.consumeInt(16, 300);
        int maxMessage = data.consumeInt(maxLine, 4 * maxLine + 64);
        int[] cuts = {data.consumeInt(1, 64), data.consumeInt(1, 400), data.consumeInt(1, 3)};
        byte[] wire = data.consumeRemainingAsBytes();

        Recorder whole = new Recorder(maxLine, maxMessage, true);
        new AmiDecoder(banner, maxLine, maxMessage).feed(wire, 0, wire.length, whole);

        Recorder pieces = new Recorder(maxLine, maxMessage, false);
        AmiDecoder decoder = new AmiDecoder(banner, maxLine, maxMessage);
        for (int off = 0, i = 0; off < wire.length; i++) {
            int n = Math.min(cuts[i % cuts.length], wire.length - off);
            decoder.feed(wire, off, n, pieces);
            off += n;
            require(decoder.buffered() <= maxMessage + 2, () -> "holds at most one message: " + decoder.buffered());
        }
        require(whole.seen.equals(pieces.seen), () -> "the same messages and problems, in the same order, however the bytes are cut:\n"
                + whole.seen + "\n" + pieces.seen + "\n" + whole.problems + "\n" + pieces.problems);

        if (oneIn(16, wire)) {
            // a peer that never stops: 16 KiB of the same bytes, read the way the connection reads them
            RepeatingInputStream in = new RepeatingInputStream(wire, 16 * 1024);
            AmiDecoder d = new AmiDecoder(banner, maxLine, maxMessage);
            Recorder r = new Recorder(maxLine, maxMessage, false);
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.feed(buf, 0, n, r);
                require(d.buffered() <= maxMessage + 2, () -> "an endless peer is held to one message: " + d.buffered());
            }
        }
    }

    /** Checks each message as it comes (and reads it every way if {@code deep}) and notes what was decoded. */
    private static final class Recorder implements AmiDecoder.Listener {
        final int maxLine;
        final int maxMessage;
        final boolean deep;
        final List<String> seen = new ArrayList<>();
        final List<String> problems = new ArrayList<>();

        Recorder(int maxLine, int maxMessage, boolean deep) {
            this.maxLine = maxLine;
            this.maxMessage = maxMessage;
            this.deep = deep;
        }

        @Override
        public void onBanner(String banner) {
            require(banner.startsWith(AmiDecoder.BANNER_PREFIX), "a banner is a banner");
            seen.add("banner " + banner);
        }

        @Override
        public void onError(String problem) {
            require(problem != null && !problem.isBlank(), "a problem says what it is");
            seen.add("(dropped)");
            problems.add(problem);
        }

        @Override
        public void onMessage(AmiMessage m) {
            require(m.size() > 0, "a message has at least one line");
            byte[] bytes = m.bytes();
            require(bytes.length <= maxMessage, () -> "no message beyond " + maxMessage + " bytes: " + bytes.length);
            for (String line : new String(bytes, StandardCharsets.ISO_8859_1).split("\n", -1)) {
                int n = line.endsWith("\r") ? line.length() - 1 : line.length();
                require(n <= maxLine, () -> "no line beyond " + maxLine + " bytes: " + n);
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < m.size(); i++) {
                String key = m.key(i);
                String value = m.value(i);
                require(key.indexOf(':') < 0 && value.indexOf('\n') < 0, "keys hold no colon, values no line break");
                require(!m.isBare(i) || key.isEmpty(), "a bare line has no key");
                sb.append(m.isBare(i) ? "|" : key + "=").append(value).append('\n');
            }
            seen.add(sb.toString());
            if (deep) readEveryWay(m);
        }
    }

    private static final List<Class<?>> VIEWS = List.of(AmiEvents.Newchannel.class, AmiEvents.Newstate.class,
            AmiEvents.Hangup.class, AmiEvents.Dtmf.class, AmiEvents.VarSet.class, AmiEvents.DialBegin.class,
            AmiEvents.DialEnd.class, AmiEvents.OriginateResponse.class, AmiEvents.AsyncAgiStart.class,
            AmiEvents.AsyncAgiExec.class, AmiEvents.AsyncAgiEnd.class);

    private static void readEveryWay(AmiMessage m) {
        m.kind();
        m.eventName();
        m.actionId();
        m.response();
        m.toMap();
        m.toString();
        m.bareLines();
        m.getAll("Output");
        m.getInt("Cause", -1);
        m.is("EventList", "Complete");
        AmiResponse r = new AmiResponse(m, List.of(m));
        r.isSuccess();
        r.items();
        r.output();
        r.text();
        for (Class<?> type : VIEWS) {
            if (!AmiEvents.matches(type, m)) continue;
            Object view = AmiEvents.as(type, m);
            if (view instanceof AmiEvents.ChannelEvent c) {
                c.channel();
                c.channelState();
                c.callerIdNum();
            }
            try {
                switch (view) {
                    case AmiEvents.Dtmf d -> { d.digit(); d.durationMs(); d.received(); }
                    case AmiEvents.Hangup h -> h.cause();
                    case AmiEvents.OriginateResponse o -> { o.reason(); o.success(); }
                    case AmiEvents.AsyncAgiStart s -> s.environment().args();
                    case AmiEvents.AsyncAgiExec e -> e.reply().status();
                    default -> { }
                }
            } catch (IllegalArgumentException | AgiException e) {
                // a url-encoded Env or Result that is not valid: both say so (AsyncAgiServer logs and skips it)
                documented(e, IllegalArgumentException.class, AgiException.class);
            }
        }
    }
}
