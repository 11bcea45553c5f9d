package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.ManualControl;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.WsTestClient;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CommandResult;

/** The native dialect over the WebSocket at ws://host:12003/ws, side by side with the TCP dialects. */
class WebSocketClientEndToEndTest {
    static final String NUMBER = "13605162099";
    ServerFixture fx;

    @BeforeEach
    void start() {
        // a queue larger than the 1,200 events the several-threads test publishes at once: on a loaded machine the
        // JDK client may fall behind, and that test is about order and completeness, not about overload
        fx = ServerFixture.start(Map.of("token.*", "admin", "clients.queue", "5000"));
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    Call place(String id, ManualControl control) {
        return fx.bridge().open(new CallInfo(id, "15550001111", "", NUMBER, List.of(), "", "fastagi", Instant.now()), control);
    }

    @Test
    void subscribeSnapshotEventsAndTalkBackOverWebsocket() throws Exception {
        ManualControl control = new ManualControl();
        Call call = place("1.1", control);
        call.keypress('9');
        try (WsTestClient ws = WsTestClient.connect(fx.httpPort())) {
            assertThat(ws.expect("hello").path("server").asText()).startsWith("tinyphone");
            ws.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\",\"token\":\"admin\",\"id\":\"s\"}");
            JsonNode sub = ws.expect("subscribed");
            assertThat(sub.path("calls").get(0).path("keys").asText()).isEqualTo("9");

            call.audioLevel(1000);
            assertThat(ws.expect("audio_level").path("value").asInt()).isEqualTo(1000);

            ws.send("{\"type\":\"command\",\"id\":\"k\",\"call\":\"1.1\",\"command\":\"say_digits\",\"digits\":\"123\"}");
            ManualControl.Running r = control.next();
            assertThat(r.command()).isEqualTo(new CallCommand.SayDigits("123"));
            r.answer(CommandResult.ok(""));
            assertThat(ws.expect("result").path("ok").asBoolean()).isTrue();

            ws.send("{oops");
            assertThat(ws.expect("error").path("code").asText()).isEqualTo("bad_json");

            call.hangup("caller");
            assertThat(ws.expect("hangup").path("call").asText()).isEqualTo("1.1");
        }
    }

    @Test
    void websocketAndBothTcpDialectsSeeTheSameCall() throws Exception {
        try (WsTestClient ws = WsTestClient.connect(fx.httpPort());
             TcpTestClient original = TcpTestClient.connect(fx.tcpPort());
             TcpTestClient tcp = TcpTestClient.connect(fx.tcpPort())) {
            ws.expect("hello");
            ws.send("{\"type\":\"subscribe\",\"number\":\"*\",\"token\":\"admin\"}");
            ws.expect("subscribed");
            tcp.expectLater();
            tcp.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\",\"token\":\"admin\"}\n");
            tcp.expect("subscribed");
            original.send("CONNECT,admin," + NUMBER + ",NULL\0");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15))
                    .until(() -> fx.bridge().subscriberCount(NUMBER) == 2);

            Call call = place("2.1", null);
            call.keypress('5');
            call.hangup("caller");
            for (String type : List.of("new_caller", "keypress", "hangup")) {
                assertThat(ws.expect(type).path("call").asText()).isEqualTo("2.1");
                assertThat(tcp.expect(type).path("call").asText()).isEqualTo("2.1");
            }
            assertThat(original.read('\0')).contains("new_call");
            assertThat(original.read('\0')).contains("keypress");
            assertThat(original.read('\0')).contains("hangup");
            assertThat(fx.server.clients().count(ClientSessions.WEBSOCKET)).isEqualTo(1);
        }
    }

    @Test
    void manyWebsocketClientsGetEveryEventOfABurstInOrderWithNonAsciiTextIntact() throws Exception {
        // one event's bytes are shared by all clients and frames go out in batches: each client must still
        // see each event once, in order, as valid UTF-8 text
        List<WsTestClient> clients = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                WsTestClient ws = WsTestClient.connect(fx.httpPort());
                clients.add(ws);
                ws.expect("hello");
                ws.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\",\"token\":\"admin\"}");
                ws.expect("subscribed");
            }
            Call call = fx.bridge().open(new CallInfo("2.1", "15550001111", "Zoë 電話 🎧", NUMBER, List.of("ä"), "",
                    "fastagi", Instant.now()), new ManualControl());
            String digits = "0123456789*#";
            for (int i = 0; i < 200; i++) call.keypress(digits.charAt(i % digits.length()));
            call.hangup("caller");
            for (WsTestClient ws : clients) {
                JsonNode caller = ws.expect("new_caller");
                assertThat(caller.path("caller_name").asText()).isEqualTo("Zoë 電話 🎧");
                for (int i = 0; i < 200; i++) {
                    assertThat(ws.expect("keypress").path("value").asText())
                            .as("keypress %d", i).isEqualTo(String.valueOf(digits.charAt(i % digits.length())));
                }
                assertThat(ws.expect("hangup").path("call").asText()).isEqualTo("2.1");
            }
        } finally {
            clients.forEach(WsTestClient::close);
        }
    }

    @Test
    void eventsPublishedFromSeveralThreadsWhileRepliesFlowReachAWebsocketClientCompleteAndInOrder()
            throws Exception {
        // an idle client is written from the publishing thread, a busy one by its writer: switching between the two
        // under concurrent publishers and replies must neither reorder a call's events nor lose any
        try (WsTestClient ws = WsTestClient.connect(fx.httpPort())) {
            ws.expect("hello");
            ws.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\",\"token\":\"admin\",\"id\":\"s\"}");
            ws.expect("subscribed");
            int calls = 4, keys = 300, pings = 50;
            List<Call> placed = new java.util.ArrayList<>();
            for (int c = 0; c < calls; c++) placed.add(place("3." + c, new ManualControl()));
            List<Thread> publishers = new java.util.ArrayList<>();
            for (Call call : placed) {
                publishers.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < keys; i++) {
                        call.keypress((char) ('0' + i % 10));
                        if (i % 50 == 0) Thread.yield();
                    }
                    call.hangup("caller");
                }));
            }
            for (int i = 0; i < pings; i++) ws.send("{\"type\":\"ping\",\"id\":" + i + "}");
            for (Thread t : publishers) t.join(Duration.ofSeconds(30));
            Map<String, Integer> next = new java.util.HashMap<>();
            int pongs = 0, hangups = 0, nextPong = 0;
            while (hangups < calls || pongs < pings) {
                JsonNode m = ws.next();
                switch (m.path("type").asText()) {
                    case "new_caller" -> next.putIfAbsent(m.path("call").asText(), 0);
                    case "keypress" -> {
                        String call = m.path("call").asText();
                        int i = next.merge(call, 1, Integer::sum) - 1;
                        assertThat(m.path("value").asText()).as("key %d of call %s", i, call).isEqualTo(String.valueOf(i % 10));
                    }
                    case "hangup" -> {
                        assertThat(next.get(m.path("call").asText())).as("keys before the hangup of %s", m.path("call")).isEqualTo(keys);
                        hangups++;
                    }
                    case "pong" -> {
                        assertThat(m.path("id").asInt()).isEqualTo(nextPong++);
                        pongs++;
                    }
                    default -> throw new AssertionError("unexpected " + m);
                }
            }
        }
    }

    @Test
    void aQuietWebsocketClientIsPingedEveryIdlePingInterval() throws Exception {
        try (ServerFixture quick = ServerFixture.start(Map.of("clients.idle-ping", "300ms"));
                WsTestClient ws = WsTestClient.connect(quick.httpPort())) {
            ws.expect("hello");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> ws.pings.get() >= 2);
            ws.send("{\"type\":\"ping\",\"id\":\"p\"}"); // still a working connection after the pings
            assertThat(ws.expect("pong").path("id").asText()).isEqualTo("p");
        }
        try (WsTestClient ws = WsTestClient.connect(fx.httpPort())) { // the default: 30 s
            ws.expect("hello");
            Thread.sleep(500);
            assertThat(ws.pings.get()).isZero();
        }
    }

    @Test
    void stoppingTheServerSaysGoodbyeToWebsocketClients() throws Exception {
        WsTestClient ws = WsTestClient.connect(fx.httpPort());
        ws.expect("hello");
        fx.close();
        assertThat(ws.expect("disconnect").path("reason").asText()).isEqualTo("server stopping");
        assertThat(ws.closed.get(15, TimeUnit.SECONDS)).isNotBlank();
    }
}
