package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.Transcript;

/**
 * The event decoder on its own (no sockets): every event line of the ARI captures decodes to its record, and a
 * property check over mangled events (Jazzer-free fuzzing: truncated, bytes flipped, fields of the wrong kind)
 * shows the decoder never throws: a message is an event, raw JSON, or counted as malformed.
 */
class AriEventDecodeTest {
    private static final String DTMF = "{\"type\":\"ChannelDtmfReceived\",\"timestamp\":\"2026-12-04T13:33:46.243+0000\",\"digit\":\"1\","
            + "\"duration_ms\":100,\"channel\":{\"id\":\"1796391224.62\",\"name\":\"Local/ari@tp-ari-0000001a;2\",\"state\":\"Up\","
            + "\"protocol_id\":\"\",\"caller\":{\"name\":\"Carol\",\"number\":\"15550001111\"},\"connected\":{\"name\":\"Carol\","
            + "\"number\":\"15550001111\"},\"accountcode\":\"\",\"dialplan\":{\"context\":\"tp-ari\",\"exten\":\"ari\",\"priority\":2,"
            + "\"app_name\":\"Stasis\",\"app_data\":\"tinyphone,arg one,arg2\"},\"creationtime\":\"2026-12-04T13:33:44.311+0000\","
            + "\"language\":\"en\"},\"asterisk_id\":\"02:fc:00:00:00:01\",\"application\":\"tinyphone\"}";

    /** A runtime with no connection, fed messages directly. */
    private static final class Feed {
        final StasisRuntime runtime;
        final AriSession session = new AriSession("test", RestFailures.NONE) {
            @Override RestTransport rest() { return null; }
            @Override void close(String reason) { }
        };

        Feed() {
            StasisRuntime.Config c = new StasisRuntime.Config();
            c.app("tinyphone", call -> { });
            runtime = new StasisRuntime(c, "test");
        }
    }

    @Test
    void everyEventOfTheAriCapturesDecodesToItsRecordOrToRawJson() throws Exception {
        AtomicInteger typed = new AtomicInteger();
        for (String capture : List.of("09a-ari-stasis-call.txt", "09b-ari-caller-hangup.txt", "09c-ari-errors.txt",
                "09d-ari-outbound-websocket.txt", "10a-chan-websocket-media.txt", "10c-ari-externalmedia-audiosocket.txt")) {
            for (String line : Transcript.load(capture).lines(Transcript.Dir.ASTERISK)) {
                int json = line.indexOf("] {");
                if (json < 0 || line.contains("RESTResponse") || !line.contains("\"type\":") || !line.startsWith("[ws") && !line.startsWith("[out") && !line.startsWith("[percall")) continue;
                String text = line.substring(json + 2);
                var node = AriJson.tree(text);
                AriEvent e = AriJson.event(node.path("type").asText(), node);
                AriEvent direct = AriJson.direct(text);
                if (!(e instanceof AriEvent.Other)) {
                    assertThat(direct).as("Asterisk writes type first: read in one pass " + text).isNotNull();
                }
                if (direct != null) assertThat(direct).as(text).isEqualTo(e);
                assertThat(e.type()).as(text).isEqualTo(node.path("type").asText());
                assertThat(e.application()).as(text).isEqualTo(node.path("application").asText());
                if (!(e instanceof AriEvent.Other)) {
                    typed.incrementAndGet();
                    assertThat(e.timestamp()).as(text).isNotNull().isBefore(Instant.parse("2027-01-01T00:00:00Z"));
                    assertThat(e.channelId()).as(text).isNotNull();
                }
            }
        }
        assertThat(typed.get()).isGreaterThan(100);
    }

    @Test
    void typedFieldsOfADtmfEvent() throws Exception {
        AriEvent.ChannelDtmfReceived d = (AriEvent.ChannelDtmfReceived) AriJson.event("ChannelDtmfReceived", AriJson.tree(DTMF));
        assertThat(d.digit()).isEqualTo("1");
        assertThat(d.durationMs()).isEqualTo(100);
        assertThat(d.asteriskId()).isEqualTo("02:fc:00:00:00:01");
        assertThat(d.channel().caller().number()).isEqualTo("15550001111");
        assertThat(d.channel().technology()).isEqualTo("Local");
        assertThat(d.timestamp()).isEqualTo(Instant.parse("2026-12-04T13:33:46.243Z"));
    }

    @Test
    void theOnePassReadTakesOnlyWhatTheTreeWouldReadTheSame() throws Exception {
        assertThat(AriJson.direct(DTMF)).isEqualTo(AriJson.event("ChannelDtmfReceived", AriJson.tree(DTMF)));
        String typeLast = "{" + DTMF.substring(1, DTMF.length() - 1).replaceFirst("\"type\":\"ChannelDtmfReceived\",", "")
                + ",\"type\":\"ChannelDtmfReceived\"}";
        assertThat(AriJson.direct(typeLast)).as("type last").isEqualTo(AriJson.event("ChannelDtmfReceived", AriJson.tree(DTMF)));
        // the tree path decides (and says what is wrong) for everything else
        assertThat(AriJson.direct("{\"type\":\"StasisEnd\"}")).as("only a type").isNull();
        assertThat(AriJson.direct(DTMF.replace("\"application\":\"tinyphone\"}", "\"type\":\"StasisEnd\"}")))
                .as("a second type (the tree keeps the last)").isNull();
        assertThat(AriJson.direct("{\"type\":\"ApplicationRegistered\",\"application\":\"x\"}")).as("no record").isNull();
        assertThat(AriJson.direct("{\"type\":\"StasisStart\",\"args\":[null]}")).as("a shape the record refuses").isNull();
        assertThat(AriJson.direct("{\"type\":\"StasisStart\",\"args\":[\"a\"")).as("cut off").isNull();
        assertThat(AriJson.direct("[{\"type\":\"StasisStart\"}]")).isNull();
        assertThat(AriJson.direct("{\"type\":\"RESTResponse\",\"status_code\":200}")).isNull();
    }

    @Test
    void asterisksTimestampsReadByPositionAsTheFormatterReadsThem() {
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx");
        Random rnd = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            Instant t = Instant.ofEpochMilli(rnd.nextLong(-2_000_000_000_000L, 8_000_000_000_000L));
            java.time.ZoneOffset off = java.time.ZoneOffset.ofTotalSeconds(rnd.nextInt(-18 * 60, 18 * 60 + 1) * 60);
            String s = f.format(t.atOffset(off));
            assertThat(AriJson.parseTime(s)).as(s).isEqualTo(t);
        }
        assertThat(AriJson.parseTime("2026-12-04T13:33:44.312+0000")).isEqualTo(Instant.parse("2026-12-04T13:33:44.312Z"));
        assertThat(AriJson.parseTime("2026-12-04T13:33:44.312-0130")).isEqualTo(Instant.parse("2026-12-04T15:03:44.312Z"));
        // what the position read does not take, the formatter decides as before
        for (String odd : List.of("2026-02-30T13:33:44.312+0000", "2026-13-04T13:33:44.312+0000", "2026-12-04T24:33:44.312+0000",
                "2026-12-04T13:33:60.312+0000", "2026-12-04T13:33:44.31x+0000", "2026-12-04T13:33:44.312+1900",
                "2026-12-04T13:33:44.3+0000", "2026-12-04T13:33:44+00:00", "２０２６-12-04T13:33:44.312+0000")) {
            Instant byFormatter;
            try {
                byFormatter = java.time.OffsetDateTime.parse(odd, java.time.format.DateTimeFormatter
                        .ofPattern("yyyy-MM-dd'T'HH:mm:ss[.SSS][.SS][.S]xx")).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                try {
                    byFormatter = java.time.OffsetDateTime.parse(odd).toInstant();
                } catch (java.time.format.DateTimeParseException e2) {
                    byFormatter = null;
                }
            }
            assertThat(AriJson.parseTime(odd)).as(odd).isEqualTo(byFormatter);
        }
    }

    @Test
    void mangledEventsNeverThrowFromTheDecoder() {
        Feed f = new Feed();
        Random rnd = new Random(12);
        String[] wrongKinds = {"\"x\"", "[]", "{}", "null", "1e999", "-1", "true", "\"\\u0000\\u001b\""};
        int n = 0;
        for (int i = 0; i < 3000; i++) {
            String m = switch (i % 4) {
                case 0 -> DTMF.substring(0, rnd.nextInt(DTMF.length()));                       // cut off anywhere
                case 1 -> {                                                                  // one byte changed
                    char[] c = DTMF.toCharArray();
                    c[rnd.nextInt(c.length)] = (char) rnd.nextInt(0x80);
                    yield new String(c);
                }
                case 2 -> DTMF.replaceFirst("\"(digit|duration_ms|channel|timestamp|dialplan|priority|caller|state|type)\":"
                        + "(\"[^\"]*\"|\\d+|\\{)", "\"$1\":" + wrongKinds[rnd.nextInt(wrongKinds.length)] + (rnd.nextBoolean() ? "" : ",\"z\":{"));
                default -> "{\"type\":\"" + List.of("StasisStart", "StasisEnd", "Dial", "PlaybackFinished", "ChannelVarset",
                        "RecordingFinished", "ChannelEnteredBridge").get(rnd.nextInt(7)) + "\",\"" + List.of("channel", "playback",
                        "recording", "bridge", "peer", "args").get(rnd.nextInt(6)) + "\":" + wrongKinds[rnd.nextInt(wrongKinds.length)] + "}";
            };
            assertThatCode(() -> f.runtime.onMessage(f.session, m)).as(m).doesNotThrowAnyException();
            n++;
        }
        AriStats s = f.runtime.stats();
        assertThat(s.events() + s.malformed()).isGreaterThanOrEqualTo(n - 20L);   // every message: an event or counted as malformed
        assertThat(s.malformed()).isGreaterThan(100);
        f.runtime.close();
    }
}
