package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

/**
 * Replies to a client's own requests never make it "slow"; a client that is dropped for being slow is told why on
 * its own connection before the close.
 */
class BurstAndGoodbyeEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aClientThatSubscribesToAThousandNumbersInOneBurstGetsEveryReply() throws Exception {
        // the queue is for events: 1000 replies must go through even when it holds only 100
        try (ServerFixture fx = ServerFixture.start(Map.of("clients.queue", "100"));
             TcpTestClient client = TcpTestClient.connect(fx.tcpPort(), 4096)) {
            // each number has a call in progress, so each reply carries a snapshot: the replies fill the socket
            List<String> args = java.util.Collections.nCopies(10, "a".repeat(2000));
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < NativeSession.MAX_SUBSCRIPTIONS; i++) {
                String number = "1555" + (100000 + i);
                fx.bridge().open(new CallInfo("c" + i, "15550001111", "", number, args, "", "test", null), null);
                burst.append("{\"type\":\"subscribe\",\"number\":\"").append(number).append("\",\"id\":").append(i).append("}\n");
            }
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    client.send(burst.toString()); // all at once; the test reads below meanwhile
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1000); // a client that starts reading a moment after it sent
            int subscribed = 0;
            JsonNode m;
            while (subscribed < NativeSession.MAX_SUBSCRIPTIONS && (m = client.json()) != null) {
                assertThat(m.path("type").asText()).as(m.toString()).isIn("hello", "subscribed");
                if (m.path("type").asText().equals("subscribed")) {
                    assertThat(m.path("id").asInt()).isEqualTo(subscribed);
                    subscribed++;
                }
            }
            sender.join();
            assertThat(subscribed).isEqualTo(NativeSession.MAX_SUBSCRIPTIONS);
            assertThat(fx.server.metrics().get("tinyphone.client.disconnects").tag("reason", "overload").counter().count())
                    .isZero();
            client.send("{\"type\":\"ping\",\"id\":\"p\"}\n");
            assertThat(client.expect("pong").path("id").asText()).isEqualTo("p");
        }
    }

    @Test
    void aNativeTcpClientDroppedForBeingSlowGetsTheReasonAsItsLastLine() throws Exception {
        try (ServerFixture fx = ServerFixture.start(Map.of("clients.queue", "50"));
             TcpTestClient slow = TcpTestClient.connect(fx.tcpPort(), 4096)) {
            slow.expectLater();
            slow.send("{\"type\":\"subscribe\",\"number\":\"13605162099\"}\n");
            slow.expect("subscribed");
            var disconnects = fx.server.metrics().get("tinyphone.client.disconnects").tag("reason", "overload").counter();
            List<String> args = new ArrayList<>();
            for (int i = 0; i < 10; i++) args.add("x".repeat(4000));
            // big new_caller events fill the socket buffers, then more than clients.queue of them wait
            for (int i = 0; disconnects.count() < 1 && i < 100_000; i++) {
                Call call = fx.bridge().open(new CallInfo("c" + i, "15550001111", "", "13605162099", args, "", "test", null), null);
                call.hangup("caller");
            }
            assertThat(disconnects.count()).isEqualTo(1.0);
            // the client now reads what it is sent, to the end
            List<String> lines = readLinesUntilClosed(slow.socket().getInputStream());
            JsonNode last = JSON.readTree(lines.get(lines.size() - 1));
            assertThat(last.path("type").asText()).isEqualTo("disconnect");
            assertThat(last.path("reason").asText()).startsWith("too slow").contains("clients.queue = 50");
            await().atMost(Duration.ofSeconds(20)).until(() -> fx.server.clients().count(ClientSessions.TCP) == 0);
        }
    }

    private static List<String> readLinesUntilClosed(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) >= 0) {
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    lines.add(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(buf[i]);
                }
            }
        }
        return lines;
    }
}
