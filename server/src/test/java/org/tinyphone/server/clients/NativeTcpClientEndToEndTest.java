package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.ManualControl;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallControl;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CommandResult;

/** The native JSON-lines dialect on the TCP client port: subscribe, snapshot, events, talk-back, errors. */
class NativeTcpClientEndToEndTest {
    static final String NUMBER = "13605162099";
    ServerFixture fx;
    TcpTestClient client;

    @BeforeEach
    void start() throws Exception {
        fx = ServerFixture.start(Map.of("token.19995550000", "s3cret", "clients.max-line", "4096"));
        client = TcpTestClient.connect(fx.tcpPort());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        fx.close();
    }

    Call place(String id, String number, CallControl control) {
        return fx.bridge().open(new CallInfo(id, "15550001111", "Carol", number, List.of("x"), "PJSIP/a-1", "fastagi",
                Instant.now()), control);
    }

    JsonNode subscribe(String number) throws Exception {
        client.send("{\"type\":\"subscribe\",\"number\":\"" + number + "\",\"id\":\"s-" + number + "\"}\n");
        return client.expect("subscribed");
    }

    @Test
    void subscribeGetsTheCallsInProgressThenTheEvents() throws Exception {
        Call early = place("1.1", NUMBER, null);
        early.keypress('4');
        early.keypress('2');
        client.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\",\"id\":7}\n");
        JsonNode hello = client.expect("hello");
        assertThat(hello.path("protocol").asInt()).isEqualTo(1);
        JsonNode sub = client.expect("subscribed");
        assertThat(sub.path("id").asInt()).isEqualTo(7);
        assertThat(sub.path("calls")).hasSize(1);
        assertThat(sub.path("calls").get(0).path("call").asText()).isEqualTo("1.1");
        assertThat(sub.path("calls").get(0).path("keys").asText()).isEqualTo("42");
        assertThat(sub.path("calls").get(0).path("caller_name").asText()).isEqualTo("Carol");

        early.keypress('#');
        early.audioLevel(70_000);
        Call next = place("1.2", NUMBER, null);
        early.hangup("caller");
        next.hangup("app");

        JsonNode k = client.expect("keypress");
        assertThat(k.path("call").asText()).isEqualTo("1.1");
        assertThat(k.path("number").asText()).isEqualTo(NUMBER);
        assertThat(k.path("value").asText()).isEqualTo("#");
        assertThat(k.path("ts").asLong()).isPositive();
        assertThat(client.expect("audio_level").path("value").asInt()).isEqualTo(32768);
        JsonNode nc = client.expect("new_caller");
        assertThat(nc.path("call").asText()).isEqualTo("1.2");
        assertThat(nc.path("caller_id").asText()).isEqualTo("15550001111");
        assertThat(nc.path("args").get(0).asText()).isEqualTo("x");
        assertThat(client.expect("hangup").path("cause").asText()).isEqualTo("caller");
        assertThat(client.expect("hangup").path("call").asText()).isEqualTo("1.2");
    }

    @Test
    void oneClientWatchesSeveralNumbersAndUnsubscribes() throws Exception {
        client.expectLater();
        subscribe("100");
        subscribe("200");
        place("2.1", "100", null);
        place("2.2", "200", null);
        place("2.3", "300", null);
        assertThat(client.expect("new_caller").path("call").asText()).isEqualTo("2.1");
        assertThat(client.expect("new_caller").path("call").asText()).isEqualTo("2.2");
        client.send("{\"type\":\"unsubscribe\",\"number\":\"100\",\"id\":1}\n");
        assertThat(client.expect("unsubscribed").path("number").asText()).isEqualTo("100");
        fx.bridge().find("2.1").orElseThrow().keypress('1');
        fx.bridge().find("2.2").orElseThrow().keypress('2');
        assertThat(client.expect("keypress").path("call").asText()).isEqualTo("2.2");
        client.send("{\"type\":\"unsubscribe\",\"number\":\"100\",\"id\":2}\n");
        assertThat(client.expect("error").path("code").asText()).isEqualTo("not_subscribed");
    }

    @Test
    void commandsRunInOrderOnTheCallsControlAndEachGetsItsResult() throws Exception {
        client.expectLater();
        subscribe(NUMBER);
        ManualControl control = new ManualControl();
        place("3.1", NUMBER, control);
        client.expect("new_caller");

        client.send("{\"type\":\"command\",\"id\":\"a\",\"call\":\"3.1\",\"command\":\"play\",\"file\":\"hello-world\",\"escape_digits\":\"#\"}\n"
                + "{\"type\":\"command\",\"id\":\"b\",\"call\":\"3.1\",\"command\":\"collect_digits\",\"prompt\":\"beep\",\"max_digits\":3,\"timeout_ms\":4000}\n"
                + "{\"type\":\"command\",\"id\":\"c\",\"call\":\"3.1\",\"command\":\"set_variable\",\"name\":\"MOOD\",\"value\":\"good\"}\n");
        ManualControl.Running play = control.next();
        assertThat(play.command()).isEqualTo(new CallCommand.Play("hello-world", "#"));
        play.answer(CommandResult.ok(""));
        JsonNode r1 = client.expect("result");
        assertThat(r1.path("id").asText()).isEqualTo("a");
        assertThat(r1.path("ok").asBoolean()).isTrue();

        ManualControl.Running collect = control.next();
        assertThat(collect.command()).isEqualTo(new CallCommand.CollectDigits("beep", 3, Duration.ofSeconds(4)));
        collect.answer(CommandResult.ok("123"));
        JsonNode r2 = client.expect("result");
        assertThat(r2.path("id").asText()).isEqualTo("b");
        assertThat(r2.path("value").asText()).isEqualTo("123");

        ManualControl.Running set = control.next();
        assertThat(set.command()).isEqualTo(new CallCommand.SetVariable("MOOD", "good"));
        set.answer(CommandResult.failed("510 Invalid or unknown command"));
        JsonNode r3 = client.expect("result");
        assertThat(r3.path("ok").asBoolean()).isFalse();
        assertThat(r3.path("error").asText()).isEqualTo("510 Invalid or unknown command");
        assertThat(control.maxInFlight.get()).isEqualTo(1);
    }

    @Test
    void aCallThatHangsUpDuringACommandAnswersItWithAnError() throws Exception {
        client.expectLater();
        subscribe(NUMBER);
        ManualControl control = new ManualControl();
        Call call = place("4.1", NUMBER, control);
        client.expect("new_caller");
        client.send("{\"type\":\"command\",\"id\":1,\"call\":\"4.1\",\"command\":\"say_number\",\"number\":42}\n");
        control.next();
        call.hangup("caller");
        assertThat(client.expect("hangup").path("call").asText()).isEqualTo("4.1");
        JsonNode r = client.expect("result");
        assertThat(r.path("ok").asBoolean()).isFalse();
        assertThat(r.path("error").asText()).isEqualTo("call hung up");
        client.send("{\"type\":\"command\",\"id\":2,\"call\":\"4.1\",\"command\":\"hangup\"}\n");
        assertThat(client.expect("error").path("code").asText()).isEqualTo("no_such_call");
    }

    @Test
    void commandsNeedACommandChannelAndASubscription() throws Exception {
        client.expectLater();
        subscribe(NUMBER);
        place("5.1", NUMBER, null);
        place("5.2", "999", new ManualControl());
        client.expect("new_caller");
        client.send("{\"type\":\"command\",\"id\":1,\"call\":\"5.1\",\"command\":\"hangup\"}\n");
        JsonNode r = client.expect("result");
        assertThat(r.path("ok").asBoolean()).isFalse();
        assertThat(r.path("error").asText()).isEqualTo("call has no command channel");
        client.send("{\"type\":\"command\",\"id\":2,\"call\":\"5.2\",\"command\":\"hangup\"}\n");
        JsonNode e = client.expect("error");
        assertThat(e.path("code").asText()).isEqualTo("not_subscribed");
        assertThat(e.path("id").asInt()).isEqualTo(2);
    }

    @Test
    void tokensGateSubscribing() throws Exception {
        client.expectLater();
        client.send("{\"type\":\"subscribe\",\"number\":\"19995550000\",\"id\":1}\n");
        assertThat(client.expect("error").path("code").asText()).isEqualTo("forbidden");
        client.send("{\"type\":\"subscribe\",\"number\":\"19995550000\",\"token\":\"nope\",\"id\":2}\n");
        assertThat(client.expect("error").path("message").asText()).contains("wrong token");
        client.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":3}\n");
        assertThat(client.expect("error").path("code").asText()).isEqualTo("forbidden");
        client.send("{\"type\":\"subscribe\",\"number\":\"19995550000\",\"token\":\"s3cret\",\"id\":4}\n");
        assertThat(client.expect("subscribed").path("id").asInt()).isEqualTo(4);
    }

    @Test
    void garbageGetsErrorRepliesAndTheConnectionStaysUp() throws Exception {
        client.send("{\"type\":\"ping\",\"id\":0}\n");
        client.expect("hello");
        client.expect("pong");
        client.send("this is not json\n");
        assertThat(client.expect("error").path("code").asText()).isEqualTo("bad_json");
        client.send("{\"type\":\"subscribe\"}\r\n");
        assertThat(client.expect("error").path("message").asText()).contains("missing field 'number'");
        client.send("{\"type\":\"" + "x".repeat(10_000) + "\"}\n");
        assertThat(client.expect("error").path("code").asText()).isEqualTo("line_too_long");
        client.send("[]\n{\"type\":\"launch\"}\n\u0000\n");
        assertThat(client.expect("error").path("code").asText()).isEqualTo("bad_message");
        assertThat(client.expect("error").path("code").asText()).isEqualTo("unknown_type");
        client.send("{\"type\":\"ping\",\"id\":\"still here\"}\n");
        assertThat(client.expect("pong").path("id").asText()).isEqualTo("still here");
    }

    @Test
    void aFirstLineInNoDialectGetsAnErrorAndTheClientMayTryAgain() throws Exception {
        client.send("hello?\n");
        assertThat(client.expect("error").path("code").asText()).isEqualTo("unknown_dialect");
        client.send("{\"type\":\"ping\",\"id\":1}\n");
        client.expect("hello");
        client.expect("pong");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.server.clients().count(ClientSessions.TCP) == 1);
    }

    @Test
    void aClientThatKeepsSpeakingNoDialectIsClosed() throws Exception {
        client.send("hello?\nanyone?\nEHLO x\n{\"type\":\"ping\"}\n");
        assertThat(client.expect("error").path("message").asText()).contains("CONNECT");
        client.expect("error");
        assertThat(client.expect("error").path("message").asText()).contains("closing");
        assertThat(client.drainUntilClosed()).isTrue();
    }

    @Test
    void anHttpRequestIsAnswered400AndClosedSoAWebPageCannotSmuggleJsonLinesInAForm() throws Exception {
        try (TcpTestClient browser = TcpTestClient.connect(fx.tcpPort())) {
            browser.send("POST / HTTP/1.1\r\nHost: 127.0.0.1:" + fx.tcpPort() + "\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 40\r\n\r\n{\"type\":\"subscribe\",\"number\":\"*\"}\n");
            String status = browser.read('\n');
            assertThat(status).startsWith("HTTP/1.1 400");
            assertThat(browser.drainUntilClosed()).isTrue();
        }
        assertThat(fx.server.clients().count(ClientSessions.TCP)).as("no session was made").isZero();
    }
}
