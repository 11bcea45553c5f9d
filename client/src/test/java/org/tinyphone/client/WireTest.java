package org.tinyphone.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The native dialect v1, as the server writes it (docs/protocol.md), decoded into typed events and answers. */
class WireTest {

    @Test
    void newCallerKeypressLevelAndHangupBecomeTypedEvents() {
        var caller = (Wire.Message.Event) Wire.decode("{\"v\":1,\"type\":\"new_caller\",\"call\":\"1795446921.1\","
                + "\"number\":\"13605162099\",\"caller_id\":\"15550001111\",\"caller_name\":\"Carol\",\"args\":[\"a\",\"b\"],"
                + "\"channel\":\"PJSIP/x\",\"via\":\"fastagi\",\"started\":1700000000000,\"ts\":1700000000001}");
        assertThat(caller.event()).isEqualTo(new TinyphoneEvent.NewCaller("1795446921.1", "13605162099", "15550001111",
                "Carol", java.util.List.of("a", "b"), "fastagi", Instant.ofEpochMilli(1700000000000L)));

        var key = (Wire.Message.Event) Wire.decode(
                "{\"v\":1,\"type\":\"keypress\",\"call\":\"c\",\"number\":\"n\",\"value\":\"#\",\"ts\":5}");
        assertThat(key.event()).isEqualTo(new TinyphoneEvent.Keypress("c", "n", '#', Instant.ofEpochMilli(5)));

        var level = (Wire.Message.Event) Wire.decode(
                "{\"v\":1,\"type\":\"audio_level\",\"call\":\"c\",\"number\":\"n\",\"value\":12000,\"ts\":5}");
        assertThat(((TinyphoneEvent.AudioLevel) level.event()).level()).isEqualTo(12000);

        var hangup = (Wire.Message.Event) Wire.decode(
                "{\"v\":1,\"type\":\"hangup\",\"call\":\"c\",\"number\":\"n\",\"cause\":\"caller\",\"ts\":5}");
        assertThat(((TinyphoneEvent.Hangup) hangup.event()).cause()).isEqualTo("caller");
    }

    @Test
    void aTextMessageBecomesAnSmsEvent() {
        var sms = (Wire.Message.Event) Wire.decode("{\"v\":1,\"type\":\"sms\",\"message_id\":\"1795446921.3\","
                + "\"number\":\"13605162099\",\"from\":\"15550001111\",\"body\":\"Hi, it's me: {\\\"x\\\"}\",\"ts\":7}");
        assertThat(sms.event()).isEqualTo(new TinyphoneEvent.Sms("1795446921.3", "13605162099", "15550001111",
                "Hi, it's me: {\"x\"}", Instant.ofEpochMilli(7)));
    }

    @Test
    void answersCarryTheirRequestId() {
        var subscribed = (Wire.Message.Answer) Wire.decode("{\"v\":1,\"type\":\"subscribed\",\"id\":\"r1\","
                + "\"number\":\"13605162099\",\"calls\":[{\"call\":\"c1\",\"number\":\"13605162099\",\"caller_id\":\"1555\","
                + "\"caller_name\":\"\",\"args\":[],\"channel\":\"\",\"via\":\"relay\",\"started\":1,\"keys\":\"12\","
                + "\"audio_level\":300}]}");
        assertThat(subscribed.requestId()).isEqualTo("r1");
        var snapshot = (TinyphoneEvent.Snapshot) subscribed.value();
        assertThat(snapshot.calls()).singleElement().satisfies(c -> {
            assertThat(c.callId()).isEqualTo("c1");
            assertThat(c.keys()).isEqualTo("12");
            assertThat(c.audioLevel()).isEqualTo(300);
        });

        var ok = (Wire.Message.Answer) Wire.decode(
                "{\"v\":1,\"type\":\"result\",\"id\":\"r2\",\"call\":\"c1\",\"ok\":true,\"value\":\"5\"}");
        assertThat(ok.value()).isEqualTo(CommandResult.ok("5"));
        var failed = (Wire.Message.Answer) Wire.decode(
                "{\"v\":1,\"type\":\"result\",\"id\":\"r3\",\"call\":\"c1\",\"ok\":false,\"error\":\"call hung up\"}");
        assertThat(failed.value()).isEqualTo(CommandResult.failed("call hung up"));

        var error = (Wire.Message.Error) Wire.decode(
                "{\"v\":1,\"type\":\"error\",\"id\":\"r4\",\"code\":\"forbidden\",\"message\":\"token needed\"}");
        assertThat(error.requestId()).isEqualTo("r4");
        assertThat(error.message()).isEqualTo("forbidden: token needed");
    }

    @Test
    void unknownTypesAreIgnoredAndGarbageIsRejectedWithAReason() {
        assertThat(Wire.decode("{\"v\":1,\"type\":\"hello\",\"server\":\"tinyphone\",\"protocol\":1}"))
                .isEqualTo(new Wire.Message.Ignored("hello"));
        assertThatThrownBy(() -> Wire.decode("nonsense")).hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> Wire.decode("[1,2]")).hasMessageContaining("JSON object with a type");
    }

    @Test
    void requestsAreOneJsonObjectEach() {
        assertThat(Wire.subscribe("r1", "13605162099", null))
                .isEqualTo("{\"type\":\"subscribe\",\"id\":\"r1\",\"number\":\"13605162099\"}");
        assertThat(Wire.subscribe("r1", "13605162099", "s3cret")).endsWith(",\"token\":\"s3cret\"}");
        assertThat(Wire.command("r2", "c1", "say_number", Map.of("number", 42L)))
                .isEqualTo("{\"type\":\"command\",\"id\":\"r2\",\"call\":\"c1\",\"command\":\"say_number\",\"number\":42}");
    }
}
