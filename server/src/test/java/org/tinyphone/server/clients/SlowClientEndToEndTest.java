package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.WsTestClient;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

/**
 * A client that stops reading: its audio levels get coalesced, then it is disconnected with a reason, while a
 * client reading the same number gets every keypress in order and is never slowed down or dropped.
 */
class SlowClientEndToEndTest {
    static final String NUMBER = "13605162099";

    @Test
    void aClientThatStopsReadingIsCoalescedThenDisconnectedAndTheOthersLoseNothing() throws Exception {
        try (ServerFixture fx = ServerFixture.start(Map.of("clients.queue", "200", "clients.overload-timeout", "1s"));
             TcpTestClient slow = TcpTestClient.connect(fx.tcpPort(), 4096);
             TcpTestClient fast = TcpTestClient.connect(fx.tcpPort())) {
            slow.expectLater();
            slow.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\"}\n");
            slow.expect("subscribed");
            fast.expectLater();
            fast.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\"}\n");
            fast.expect("subscribed");
            // from here on the slow client reads nothing

            Map<String, StringBuilder> keysSeen = new ConcurrentHashMap<>();
            AtomicInteger fastKeypresses = new AtomicInteger();
            List<String> fastHangups = new CopyOnWriteArrayList<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        JsonNode m = fast.json();
                        switch (m.path("type").asText()) {
                            case "keypress" -> {
                                keysSeen.computeIfAbsent(m.path("call").asText(), k -> new StringBuilder()).append(m.path("value").asText());
                                fastKeypresses.incrementAndGet();
                            }
                            case "hangup" -> fastHangups.add(m.path("call").asText());
                            default -> { }
                        }
                    }
                } catch (Exception e) {
                    // connection closed at the end
                }
            });

            List<Call> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(fx.bridge().open(new CallInfo("c" + i, "15550001111", "", NUMBER, List.of(), "", "test", Instant.now()), null));
            }
            var coalesced = fx.server.metrics().get("tinyphone.client.audio_levels.coalesced").counter();
            var disconnects = fx.server.metrics().get("tinyphone.client.disconnects").tag("reason", "overload").counter();
            String digits = "0123456789*#";
            int sent = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<String> bigArgs = new ArrayList<>();
            for (int i = 0; i < 10; i++) bigArgs.add(String.valueOf((char) ('a' + i)).repeat(5000));
            int shortCalls = 0;
            // rounds of: a short call with 50 KB of args (fills the slow client's socket buffers), then one key and
            // 40 levels per call; each round waits for the fast client to see its keys
            while ((disconnects.count() < 1 || sent < 50) && System.nanoTime() < deadline) {
                Call big = fx.bridge().open(new CallInfo("big" + sent, "15550001111", "", NUMBER, bigArgs, "", "test", Instant.now()), null);
                big.hangup("caller");
                shortCalls++;
                for (Call c : calls) {
                    c.keypress(digits.charAt(sent % digits.length()));
                    for (int l = 0; l < 40; l++) c.audioLevel(l * 100);
                }
                sent++;
                int expected = sent * calls.size();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2)).until(() -> fastKeypresses.get() == expected);
            }
            for (Call c : calls) c.hangup("caller");

            assertThat(disconnects.count()).as("the slow client was disconnected").isEqualTo(1.0);
            assertThat(coalesced.count()).as("its audio levels were coalesced first").isPositive();
            int hangups = calls.size() + shortCalls;
            await().atMost(Duration.ofSeconds(20)).until(() -> fastHangups.size() == hangups);
            StringBuilder expectedKeys = new StringBuilder();
            for (int i = 0; i < sent; i++) expectedKeys.append(digits.charAt(i % digits.length()));
            for (Call c : calls) assertThat(keysSeen.get(c.id())).hasToString(expectedKeys.toString());
            assertThat(slow.drainUntilClosed()).as("the slow client's connection was closed").isTrue();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(fx.server.clients().count(ClientSessions.TCP))
                    .as("the fast client is still connected").isEqualTo(1));
            reader.interrupt();
        }
    }

    @Test
    void aWebsocketClientThatStopsReadingIsDisconnectedToo() throws Exception {
        try (ServerFixture fx = ServerFixture.start(Map.of("clients.queue", "50", "clients.overload-timeout", "1s"));
             WsTestClient slow = WsTestClient.connectNotReading(fx.httpPort())) {
            slow.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\"}");
            await().atMost(Duration.ofSeconds(15)).until(() -> fx.bridge().subscriberCount(NUMBER) == 1);
            var disconnects = fx.server.metrics().get("tinyphone.client.disconnects").tag("reason", "overload").counter();
            List<String> bigArgs = List.of("x".repeat(20_000), "y".repeat(20_000));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (int i = 0; disconnects.count() < 1 && System.nanoTime() < deadline; i++) {
                Call c = fx.bridge().open(new CallInfo("w" + i, "1", "", NUMBER, bigArgs, "", "test", Instant.now()), null);
                c.keypress('1');
                c.hangup("caller");
                if (i % 50 == 49) Thread.sleep(20); // let the writer block on the full socket
            }
            assertThat(disconnects.count()).isEqualTo(1.0);
            await().atMost(Duration.ofSeconds(15)).until(() -> fx.server.clients().count(ClientSessions.WEBSOCKET) == 0);
            assertThat(fx.bridge().subscriberCount(NUMBER)).isZero();
        }
    }
}
