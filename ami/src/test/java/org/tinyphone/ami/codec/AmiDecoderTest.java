package org.tinyphone.ami.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.Transcript.Dir;

class AmiDecoderTest {

    /** Collects what the decoder reports. */
    static final class Sink implements AmiDecoder.Listener {
        final List<String> banners = new ArrayList<>();
        final List<AmiMessage> messages = new ArrayList<>();
        final List<String> errors = new ArrayList<>();

        @Override public void onBanner(String b) { banners.add(b); }
        @Override public void onMessage(AmiMessage m) { messages.add(m); }
        @Override public void onError(String p) { errors.add(p); }
    }

    static byte[] asteriskSide(String capture) {
        StringBuilder sb = new StringBuilder();
        for (String l : Transcript.load(capture).lines(Dir.ASTERISK)) sb.append(l).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Sink decode(byte[] b) {
        Sink s = new Sink();
        new AmiDecoder().feed(b, 0, b.length, s);
        return s;
    }

    static Sink decode(String text) { return decode(text.getBytes(StandardCharsets.UTF_8)); }

    @ParameterizedTest
    @ValueSource(strings = {"05a-ami-login-ping-logoff.txt", "05a-ami-login-bad-secret.txt", "05b-ami-md5-challenge-login.txt",
            "05c-ami-events-on-off.txt", "05d-ami-lists-command-vars.txt", "05e-ami-originate-async.txt",
            "05f-ami-full-call-events.txt", "05g-ami-core-stop-now.txt", "06a-asyncagi-break.txt", "06b-asyncagi-hangup.txt"})
    void everyMessageAsteriskSentInTheCapturesDecodesLineForLine(String capture) {
        List<String> lines = Transcript.load(capture).lines(Dir.ASTERISK);
        Sink s = decode(asteriskSide(capture));

        assertThat(s.banners).containsExactly("Asterisk Call Manager/11.0.0");
        assertThat(s.errors).isEmpty();
        // rebuild the messages from the capture's lines: each ends at a blank line
        List<String> expected = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String l : lines.subList(1, lines.size())) {
            if (l.isEmpty()) {
                expected.add(cur.toString());
                cur.setLength(0);
            } else {
                if (!cur.isEmpty()) cur.append('\n');
                cur.append(l);
            }
        }
        assertThat(s.messages).extracting(AmiMessage::toString).containsExactlyElementsOf(expected);
    }

    @Test
    void chunkBoundariesDoNotMatter() {
        byte[] all = asteriskSide("05f-ami-full-call-events.txt");
        List<String> whole = decode(all).messages.stream().map(AmiMessage::toString).toList();
        Random rnd = new Random(42);
        for (int round = 0; round < 5; round++) {
            Sink s = new Sink();
            AmiDecoder d = new AmiDecoder();
            int off = 0;
            while (off < all.length) {
                int n = Math.min(all.length - off, round == 0 ? 1 : 1 + rnd.nextInt(700));
                d.feed(all, off, n, s);
                off += n;
            }
            assertThat(s.messages).extracting(AmiMessage::toString).containsExactlyElementsOf(whole);
        }
    }

    @Test
    void lineEndSearchFindsTheFirstLfAtEveryPositionAndAmongLookalikes() {
        Random rnd = new Random(3);
        for (int len = 0; len < 40; len++) {
            for (int pos = -1; pos < len; pos++) {
                byte[] b = new byte[len + 3];
                for (int i = 0; i < b.length; i++) {
                    int pick = rnd.nextInt(4);   // bytes around LF that fool naive bit tricks: 0x0B, 0x8A, 0x09
                    b[i] = (byte) (pick == 0 ? 0x0B : pick == 1 ? 0x8A : pick == 2 ? 0x09 : 'a' + rnd.nextInt(26));
                }
                if (pos >= 0) {
                    b[pos + 1] = '\n';
                    if (pos + 2 < b.length) b[pos + 2] = '\n';
                }
                assertThat(AmiDecoder.indexOfLf(b, 1, len + 1)).as("len %d pos %d", len, pos).isEqualTo(pos < 0 ? -1 : pos + 1);
            }
        }
    }

    @Test
    void bannerKeepsTheVersion() {
        Sink s = decode("Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nPing: Pong\r\n\r\n");
        assertThat(s.banners).containsExactly("Asterisk Call Manager/11.0.0");
        assertThat(s.messages.get(0).get("Ping")).isEqualTo("Pong");
    }

    @Test
    void responsesAndEventsAreTold() {
        Sink s = decode(asteriskSide("05a-ami-login-ping-logoff.txt"));
        AmiMessage login = s.messages.get(0);
        assertThat(login.kind()).isEqualTo(AmiMessage.Kind.RESPONSE);
        assertThat(login.isResponse()).isTrue();
        assertThat(login.actionId()).isEqualTo("good1");
        assertThat(login.get("message")).isEqualTo("Authentication accepted");   // keys are case-insensitive
        AmiMessage booted = s.messages.get(1);
        assertThat(booted.kind()).isEqualTo(AmiMessage.Kind.EVENT);
        assertThat(booted.eventName()).isEqualTo("FullyBooted");
        assertThat(booted.isEvent("fullybooted")).isTrue();
        assertThat(booted.getInt("Uptime", -1)).isEqualTo(479);
        assertThat(booted.actionId()).isNull();
    }

    @Test
    void commandOutputKeepsEveryOutputLineInOrderWithTrailingSpaces() {
        Sink s = decode(asteriskSide("05d-ami-lists-command-vars.txt"));
        AmiMessage cmd2 = s.messages.stream().filter(m -> "cmd2".equals(m.actionId())).findFirst().orElseThrow();
        List<String> out = cmd2.getAll("Output");
        assertThat(out).hasSize(6);
        assertThat(out.get(0)).startsWith("Channel ").endsWith("Application(Data)             ");
        assertThat(out.get(5)).isEqualTo("42 calls processed");
        AmiMessage cmd3 = s.messages.stream().filter(m -> "cmd3".equals(m.actionId())).findFirst().orElseThrow();
        assertThat(cmd3.response()).isEqualTo("Error");
        assertThat(cmd3.getAll("Output")).containsExactly(
                "No such command 'no such cli command' (type 'core show help no such' for other possible commands)");
    }

    @Test
    void valuesWithColonsAndEmptyValuesAreKept() {
        Sink s = decode(asteriskSide("05d-ami-lists-command-vars.txt"));
        AmiMessage u1 = s.messages.stream().filter(m -> "u1".equals(m.actionId())).findFirst().orElseThrow();
        assertThat(u1.get("Message")).isEqualTo(
                "Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands.");
        AmiMessage gv2 = s.messages.stream().filter(m -> "gv2".equals(m.actionId())).findFirst().orElseThrow();
        assertThat(gv2.get("Value")).isEmpty();
        assertThat(gv2.has("Value")).isTrue();
        assertThat(gv2.get("Nope")).isNull();
    }

    @Test
    void statusEventsWithActionIdLastAndRepeatedKeysAreKept() {
        AmiMessage m = AmiMessage.of("Event: Status", "Channel: A", "ChannelState: 6", "ChannelState: 7", "ActionID: st1");
        assertThat(m.actionId()).isEqualTo("st1");
        assertThat(m.get("ChannelState")).isEqualTo("6");
        assertThat(m.getAll("channelstate")).containsExactly("6", "7");   // duplicate keys never crash, never lost
        assertThat(m.toMap()).containsEntry("ChannelState", "6").hasSize(4);
        assertThat(m.size()).isEqualTo(5);
    }

    @Test
    void lfOnlyLineEndsBareLinesAndStrayBlankLinesAreHandled() {
        Sink s = decode("Asterisk Call Manager/11.0.0\n"
                + "Event: CoreShowChannelMap\r\nChannel: X\r\n\n"     // ends \r\n\n (asterisk#761)
                + "\r\n\r\n"                                          // extra blank lines (reactphp-ami#49)
                + "Event: SMS\nText: hi\n--END SMS EVENT--\n\n"       // a bare line without a colon
                + "Response: Follows\r\nPrivilege: Command\r\nsome output\r\n--END COMMAND--\r\n\r\n");
        assertThat(s.errors).isEmpty();
        assertThat(s.messages).hasSize(3);
        assertThat(s.messages.get(0).get("Channel")).isEqualTo("X");
        AmiMessage sms = s.messages.get(1);
        assertThat(sms.get("Text")).isEqualTo("hi");
        assertThat(sms.bareLines()).containsExactly("--END SMS EVENT--");
        assertThat(sms.isBare(2)).isTrue();
        assertThat(sms.key(2)).isEmpty();
        assertThat(s.messages.get(2).bareLines()).containsExactly("some output", "--END COMMAND--");
    }

    @Test
    void aOneMebibyteLineIsDroppedWithAClearErrorAndDecodingGoesOn() {
        Sink s = new Sink();
        AmiDecoder d = new AmiDecoder();
        byte[] head = "Asterisk Call Manager/11.0.0\r\nEvent: Big\r\nData: ".getBytes(StandardCharsets.US_ASCII);
        d.feed(head, 0, head.length, s);
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'x');
        for (int i = 0; i < 16; i++) d.feed(chunk, 0, chunk.length, s);     // 1 MiB without a line end
        byte[] tail = "\r\nMore: y\r\n\r\nResponse: Success\r\nActionID: 7\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        d.feed(tail, 0, tail.length, s);
        assertThat(s.errors).singleElement().asString().contains("line longer than 65536 bytes");
        assertThat(s.messages).singleElement().extracting(AmiMessage::actionId).isEqualTo("7");
        assertThat(d.buffered()).isZero();
    }

    @Test
    void anOverLongMessageIsDroppedWithAClearError() {
        Sink s = new Sink();
        AmiDecoder d = new AmiDecoder(false, 1024, 4096);
        StringBuilder sb = new StringBuilder("Event: Many\r\n");
        for (int i = 0; i < 200; i++) sb.append("Variable: v").append(i).append("=some value\r\n");
        sb.append("\r\nEvent: Small\r\n\r\n");
        byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
        d.feed(b, 0, b.length, s);
        assertThat(s.errors).singleElement().asString().contains("message longer than 4096 bytes");
        assertThat(s.messages).singleElement().extracting(AmiMessage::eventName).isEqualTo("Small");
    }

    /**
     * Found by AmiDecoderFuzzTest: where a read ends must not change what is decoded, also at the limits. A read
     * ending in the CR of a line's CRLF made a line of exactly the limit too long; a read ending in the CR of the
     * blank line made a message of exactly the limit too long; a read ending right after the line that made a
     * message too long sent the decoder skipping to the next LF, the blank line that ended it, so the next message
     * was lost too. Limits 16 (line) and 20 (message); every stream is split at every byte.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "Key: 0123456789a\r\n\r\nEvent: Next\r\n\r\n",           // a 16-byte line
            "Key: 01234567\r\nA: b\r\n\r\nEvent: Next\r\n\r\n",      // a 20-byte message
            "Key: 0123456789\r\nKey: 0123456789\r\n\r\nEvent: Next\r\n\r\n", // a 32-byte message
            "Key: 0123456789abc\r\n\r\nEvent: Next\r\n\r\n"})        // an 18-byte line
    void whereAReadEndsNeverChangesWhatIsDecodedEvenAtTheLimits(String stream) {
        byte[] b = stream.getBytes(StandardCharsets.US_ASCII);
        Sink whole = new Sink();
        new AmiDecoder(false, 16, 20).feed(b, 0, b.length, whole);
        assertThat(whole.messages).last().extracting(AmiMessage::eventName).isEqualTo("Next");
        for (int cut = 1; cut < b.length; cut++) {
            Sink split = new Sink();
            AmiDecoder d = new AmiDecoder(false, 16, 20);
            d.feed(b, 0, cut, split);
            d.feed(b, cut, b.length - cut, split);
            assertThat(split.messages).as("split at %d", cut).extracting(AmiMessage::toString)
                    .containsExactlyElementsOf(whole.messages.stream().map(AmiMessage::toString).toList());
            assertThat(split.errors).as("split at %d", cut).hasSameSizeAs(whole.errors);
        }
    }

    @Test
    void garbageBytesNeverBreakTheNextMessage() {
        byte[] junk = new byte[5000];
        new Random(7).nextBytes(junk);
        Sink s = new Sink();
        AmiDecoder d = new AmiDecoder(false);
        d.feed(junk, 0, junk.length, s);
        byte[] ok = "\r\n\r\nEvent: After\r\nA: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        d.feed(ok, 0, ok.length, s);
        assertThat(s.messages).last().extracting(AmiMessage::eventName).isEqualTo("After");
    }

    @Test
    void encoderWritesRepeatedKeysAndRefusesLineBreaksInValues() {
        byte[] b = AmiEncoder.encode(List.of(Map.entry("Action", "Originate"), Map.entry("Variable", "A=1"),
                Map.entry("Variable", "B=x: y"), Map.entry("ActionID", "9")));
        assertThat(new String(b, StandardCharsets.UTF_8))
                .isEqualTo("Action: Originate\r\nVariable: A=1\r\nVariable: B=x: y\r\nActionID: 9\r\n\r\n");
        assertThatThrownBy(() -> AmiEncoder.encode(List.of(Map.entry("Action", "Ping\r\nAction: Logoff"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CR or LF");
        assertThatThrownBy(() -> AmiEncoder.encode(List.of(Map.entry("Bad Key", "x"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aKeyThatIsNotAsciiReadsBackAsSentLikeItsValue() {
        // found by AmiRoundTripFuzzTest: keys were read as ISO-8859-1, values and the encoder use UTF-8
        byte[] b = AmiEncoder.encode(List.of(Map.entry("Action", "UserEvent"), Map.entry("Prénom", "Zoë")));
        AmiMessage m = decode(b).messages.get(0);
        assertThat(m.key(1)).isEqualTo("Prénom");
        assertThat(m.value(1)).isEqualTo("Zoë");
        assertThat(m.toMap()).containsEntry("Prénom", "Zoë");
    }

    @Test
    void aLineAsteriskWouldDropIsRefusedBeforeSending() {
        String big = "x".repeat(1020);
        assertThatThrownBy(() -> AmiEncoder.encode(List.of(Map.entry("Action", "Setvar"), Map.entry("Value", big))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("over 1024 bytes");
        assertThat(AmiEncoder.encode(List.of(Map.entry("Value", "x".repeat(1024 - 9))))).hasSize(1024 + 2);
    }

    @Test
    void encodedActionsDecodeBackToTheSameFields() {
        byte[] b = AmiEncoder.encode(List.of(Map.entry("Action", "Setvar"), Map.entry("Variable", "LABVAR"),
                Map.entry("Value", "hello ami"), Map.entry("Note", "é ü")));
        Sink s = new Sink();
        new AmiDecoder(false).feed(b, 0, b.length, s);
        AmiMessage m = s.messages.get(0);
        assertThat(m.kind()).isEqualTo(AmiMessage.Kind.ACTION);
        assertThat(m.get("Value")).isEqualTo("hello ami");
        assertThat(m.get("Note")).isEqualTo("é ü");
    }
}
