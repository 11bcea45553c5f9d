package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;

/** The original hub's client dialect, as its tinyphone_net.js and tinyphone_agi.js wrote it. */
class OriginalCodecTest {
    static final Instant T = Instant.parse("2026-11-23T12:00:00Z");

    static CallInfo call(String callerId, List<String> args) {
        return new CallInfo("1700000000.42", callerId, "Carol", "13605162099", args, "", "legacy", T);
    }

    @Test
    void connectLinesAreReadAsTheHubReadThem() {
        assertThat(OriginalCodec.parseConnect("CONNECT,UNIQUEID123456,16468385747,NULL"))
                .contains(new OriginalCodec.Connect("UNIQUEID123456", "16468385747", '\0'));
        assertThat(OriginalCodec.parseConnect("CONNECT,abc,16468385747,CR"))
                .contains(new OriginalCodec.Connect("abc", "16468385747", '\n'));
        // the hub compared the 4th field with "NULL" exactly: anything else means a newline
        assertThat(OriginalCodec.parseConnect("CONNECT,abc,1,NULL\r")).get().extracting(OriginalCodec.Connect::terminator).isEqualTo('\n');
        assertThat(OriginalCodec.parseConnect("CONNECT,abc,1,")).get().extracting(OriginalCodec.Connect::terminator).isEqualTo('\n');
        assertThat(OriginalCodec.parseConnect("CONNECT,abc,1")).isEmpty();
        assertThat(OriginalCodec.parseConnect("CONNECT,a,b,c,d")).isEmpty();
        assertThat(OriginalCodec.parseConnect("connect,a,1,NULL")).isEmpty();
        assertThat(OriginalCodec.parseConnect("")).isEmpty();
    }

    @Test
    void newCallValueIsTheCallerIdAndArgsWithoutTheDialedNumber() {
        assertThat(OriginalCodec.encode(new CallEvent.NewCaller(call("16466429290", List.of()), T)))
                .isEqualTo("{\"id\":\"1700000000.42\",\"event\":\"new_call\",\"value\":\"16466429290\"}");
        assertThat(OriginalCodec.encode(new CallEvent.NewCaller(call("16466429290", List.of("red", "blue")), T)))
                .isEqualTo("{\"id\":\"1700000000.42\",\"event\":\"new_call\",\"value\":\"16466429290|red|blue\"}");
    }

    @Test
    void argsFromOtherWaysInLookAsTheOriginalScriptMadeThem() {
        CallInfo fastagi = new CallInfo("1.1", "+15550001111", "", "1", List.of("a|b", "x:y,z", "{\"q\"}", "a b", "é/?&=+"),
                "", "fastagi", T);
        assertThat(OriginalCodec.encode(new CallEvent.NewCaller(fastagi, T)))
                .isEqualTo("{\"id\":\"1.1\",\"event\":\"new_call\",\"value\":\"15550001111|ab|xyz|%22q%22|a%20b|%C3%A9/?&=+\"}");
    }

    @Test
    void argsFromTheOriginalRelayLinesPassAsTheyCame() {
        CallInfo legacy = new CallInfo("1.1", "15550001111", "", "1", List.of("a%20b", "red"), "", "legacy", T);
        assertThat(OriginalCodec.encode(new CallEvent.NewCaller(legacy, T)))
                .isEqualTo("{\"id\":\"1.1\",\"event\":\"new_call\",\"value\":\"15550001111|a%20b|red\"}");
    }

    @Test
    void rubyUriEscapeLeavesReservedCharactersAlone() {
        assertThat(OriginalCodec.rubyUriEscape("AZaz09-_.!~*'();/?:@&=+$,[]")).isEqualTo("AZaz09-_.!~*'();/?:@&=+$,[]");
        assertThat(OriginalCodec.rubyUriEscape("a b\"%<>#\\^`{}|")).isEqualTo("a%20b%22%25%3C%3E%23%5C%5E%60%7B%7D%7C");
    }

    @Test
    void keypressAudioLevelAndHangup() {
        assertThat(OriginalCodec.encode(new CallEvent.Keypress("1.2", "1", '*', T)))
                .isEqualTo("{\"id\":\"1.2\",\"event\":\"keypress\",\"value\":\"*\"}");
        assertThat(OriginalCodec.encode(new CallEvent.AudioLevel("1.2", "1", 32768, T)))
                .isEqualTo("{\"id\":\"1.2\",\"event\":\"audio_level\",\"value\":\"32768\"}");
        assertThat(OriginalCodec.encode(new CallEvent.Hangup("1.2", "1", "caller", T)))
                .isEqualTo("{\"id\":\"1.2\",\"event\":\"hangup\",\"value\":\"0\"}");
        assertThat(OriginalCodec.encode(new CallEvent.Hangup("1.2", "1", "1", T)))
                .isEqualTo("{\"id\":\"1.2\",\"event\":\"hangup\",\"value\":\"1\"}");
        // Tinyphone's stream event: status|detail, the detail URI-encoded so that no , : | reaches old clients' splits
        assertThat(OriginalCodec.encode(new CallEvent.Stream("1.2", "1", "connected", "ws://127.0.0.1:8765/media", T)))
                .isEqualTo("{\"id\":\"1.2\",\"event\":\"stream\",\"value\":\"connected|ws%3A%2F%2F127.0.0.1%3A8765%2Fmedia\"}");
    }

    @Test
    void stringsAreEscapedExactlyAsJsonStringifyDoes() {
        StringBuilder sb = new StringBuilder();
        OriginalCodec.jsonString(sb, "a\"b\\c\n\r\t\b\f\u0001\u001f\u007fé€\uD83D\uDE00\uD800x");
        // JSON.stringify("a\"b\\c\n\r\t\b\f\u0001\u001f\u007fé€😀\ud800x")
        assertThat(sb.toString()).isEqualTo("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u007fé€\uD83D\uDE00\\ud800x\"");
    }
}
