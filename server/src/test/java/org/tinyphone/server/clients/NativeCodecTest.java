package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.access.AccessPolicy;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CallState;
import org.tinyphone.server.bridge.CommandResult;

class NativeCodecTest {
    static final Instant T = Instant.ofEpochMilli(1_763_900_000_123L);
    static final CallInfo INFO = new CallInfo("1700.1", "15550001111", "Carol", "13605162099", List.of("a", "b"),
            "PJSIP/x-0001", "fastagi", T);

    @Test
    void eventsAreVersionedJsonObjects() {
        assertThat(NativeCodec.event(new CallEvent.Keypress("1700.1", "13605162099", '5', T)))
                .isEqualTo("{\"v\":1,\"type\":\"keypress\",\"call\":\"1700.1\",\"number\":\"13605162099\",\"value\":\"5\",\"ts\":1763900000123}");
        assertThat(NativeCodec.event(new CallEvent.AudioLevel("1700.1", "13605162099", 812, T)))
                .isEqualTo("{\"v\":1,\"type\":\"audio_level\",\"call\":\"1700.1\",\"number\":\"13605162099\",\"value\":812,\"ts\":1763900000123}");
        assertThat(NativeCodec.event(new CallEvent.Hangup("1700.1", "13605162099", "caller", T)))
                .isEqualTo("{\"v\":1,\"type\":\"hangup\",\"call\":\"1700.1\",\"number\":\"13605162099\",\"cause\":\"caller\",\"ts\":1763900000123}");
        assertThat(NativeCodec.event(new CallEvent.Stream("1700.1", "13605162099", "error", "cannot connect to ws://h/m: refused", T)))
                .isEqualTo("{\"v\":1,\"type\":\"stream\",\"call\":\"1700.1\",\"number\":\"13605162099\",\"status\":\"error\","
                        + "\"detail\":\"cannot connect to ws://h/m: refused\",\"ts\":1763900000123}");
        assertThat(NativeCodec.event(new CallEvent.NewCaller(INFO, T)))
                .isEqualTo("{\"v\":1,\"type\":\"new_caller\",\"call\":\"1700.1\",\"number\":\"13605162099\","
                        + "\"caller_id\":\"15550001111\",\"caller_name\":\"Carol\",\"args\":[\"a\",\"b\"],"
                        + "\"channel\":\"PJSIP/x-0001\",\"via\":\"fastagi\",\"started\":1763900000123,\"ts\":1763900000123}");
    }

    @Test
    void repliesEchoTheRequestId() {
        assertThat(NativeCodec.result(new TextNode("r1"), "1700.1", CommandResult.ok("42")))
                .isEqualTo("{\"v\":1,\"type\":\"result\",\"id\":\"r1\",\"call\":\"1700.1\",\"ok\":true,\"value\":\"42\"}");
        assertThat(NativeCodec.result(new IntNode(7), "1700.1", CommandResult.failed("call hung up")))
                .isEqualTo("{\"v\":1,\"type\":\"result\",\"id\":7,\"call\":\"1700.1\",\"ok\":false,\"error\":\"call hung up\"}");
        assertThat(NativeCodec.subscribed(new TextNode("s"), "13605162099", AccessPolicy.Level.FULL,
                List.of(new CallState(INFO, "12", 300))))
                .contains("\"type\":\"subscribed\"", "\"id\":\"s\"", "\"access\":\"full\"", "\"keys\":\"12\"",
                        "\"audio_level\":300", "\"call\":\"1700.1\"");
        assertThat(NativeCodec.subscribed(null, "13605162099", AccessPolicy.Level.WATCH, List.of())).isEqualTo(
                "{\"v\":1,\"type\":\"subscribed\",\"number\":\"13605162099\",\"access\":\"watch\",\"calls\":[]}");
        assertThat(NativeCodec.error(null, "bad_json", "not JSON")).isEqualTo("{\"v\":1,\"type\":\"error\",\"code\":\"bad_json\",\"message\":\"not JSON\"}");
    }

    @Test
    void clientMessagesDecodeToTypedMessages() throws Exception {
        assertThat(NativeCodec.decode("{\"type\":\"subscribe\",\"number\":\"13605162099\",\"token\":\"t\",\"id\":1}"))
                .isEqualTo(new ClientMessage.Subscribe(new IntNode(1), "13605162099", "t"));
        assertThat(NativeCodec.decode("{\"type\":\"subscribe\",\"number\":13605162099}"))
                .isEqualTo(new ClientMessage.Subscribe(null, "13605162099", null));
        assertThat(NativeCodec.decode("{\"type\":\"command\",\"id\":\"c\",\"call\":\"1.1\",\"command\":\"collect_digits\",\"prompt\":\"beep\",\"max_digits\":4,\"timeout_ms\":3000}"))
                .isEqualTo(new ClientMessage.Command(new TextNode("c"), "1.1", new CallCommand.CollectDigits("beep", 4, Duration.ofSeconds(3))));
        assertThat(NativeCodec.decode("{\"type\":\"command\",\"call\":\"1.1\",\"command\":\"say_number\",\"number\":\"42\"}"))
                .isEqualTo(new ClientMessage.Command(null, "1.1", new CallCommand.SayNumber(42)));
        assertThat(NativeCodec.decode("{\"type\":\"command\",\"call\":\"1.1\",\"command\":\"set_variable\",\"name\":\"X\",\"value\":\"1\"}"))
                .isEqualTo(new ClientMessage.Command(null, "1.1", new CallCommand.SetVariable("X", "1")));
        assertThat(NativeCodec.decode("{\"type\":\"command\",\"call\":\"1.1\",\"command\":\"stream\",\"url\":\"wss://h/m\"}"))
                .isEqualTo(new ClientMessage.Command(null, "1.1", new CallCommand.Stream("wss://h/m")));
        assertThat(NativeCodec.decode("{\"type\":\"command\",\"call\":\"1.1\",\"command\":\"stop_stream\"}"))
                .isEqualTo(new ClientMessage.Command(null, "1.1", new CallCommand.StopStream()));
        assertThat(NativeCodec.decode("{\"type\":\"ping\",\"id\":\"p\"}")).isEqualTo(new ClientMessage.Ping(new TextNode("p")));
        assertThat(NativeCodec.decode("{\"v\":1,\"type\":\"ping\"}")).isEqualTo(new ClientMessage.Ping(null));
    }

    @Test
    void wrongMessagesSayWhatIsWrong() {
        assertError("not json", "bad_json", "not JSON");
        assertError("[1,2]", "bad_message", "must be a JSON object");
        assertError("{\"number\":\"1\"}", "bad_message", "missing field 'type'");
        assertError("{\"type\":\"dance\"}", "unknown_type", "unknown message type 'dance'");
        assertError("{\"type\":\"subscribe\"}", "bad_message", "missing field 'number'");
        assertError("{\"type\":\"command\",\"call\":\"1\",\"command\":\"fly\"}", "bad_command", "unknown command 'fly'");
        assertError("{\"type\":\"command\",\"call\":\"1\",\"command\":\"say_digits\",\"digits\":\"12a\"}", "bad_command", "digits must be 0-9");
        assertError("{\"type\":\"command\",\"call\":\"1\",\"command\":\"play\"}", "bad_message", "missing field 'file'");
        assertError("{\"type\":\"command\",\"call\":\"1\",\"command\":\"collect_digits\",\"max_digits\":0}", "bad_command", "maxDigits");
        assertError("{\"type\":\"ping\",\"id\":{}}", "bad_message", "id must be");
        // found by NativeCodecFuzzTest: a number too large for a double became Infinity, echoed as the string "Infinity"
        assertError("{\"type\":\"ping\",\"id\":11e400}", "bad_message", "id must be a string or a finite number");
        assertError("{\"v\":2,\"type\":\"ping\"}", "unsupported_version", "protocol version 1");
    }

    private static void assertError(String text, String code, String message) {
        assertThatThrownBy(() -> NativeCodec.decode(text)).isInstanceOfSatisfying(ProtocolException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void outputIsValidJsonEvenWithOddCharacters() throws Exception {
        CallInfo odd = new CallInfo("id\"1", "x\ny", "Zoë \u0001", "1", List.of("\\"), "", "", T);
        String json = NativeCodec.event(new CallEvent.NewCaller(odd, T));
        assertThat(new ObjectMapper().readTree(json).path("caller_name").asText()).isEqualTo("Zoë \u0001");
    }
}
