package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * The drop-in promise, through the whole server as `./tinyphone server` runs it (ingress found by ServiceLoader):
 * an original client on 12002 gets, byte for byte, what the 2012 Node hub sent for a call placed by the original
 * per-call script's legacy lines on 12001, and exactly the same for that call placed over FastAGI.
 */
class OriginalSetupEndToEndTest {
    static final String NUMBER = "13605162099";

    @Test
    void originalClientGetsTheHubsBytesForTheOriginalScriptAndForFastagiAlike() throws Exception {
        TinyphoneConfig config = TinyphoneConfig.load(null, Map.of(), Map.of(
                "relay.port", "0", "fastagi.port", "0", "clients.bind", "127.0.0.1", "clients.port", "0",
                "http.enabled", "false", "audiosocket.enabled", "false", "sms.enabled", "false"));
        try (TinyphoneServer server = TinyphoneServer.start(config);
             TcpTestClient client = TcpTestClient.connect(server.port("clients"))) {
            client.send("CONNECT,1331862623194," + NUMBER + ",CR\n");
            await().atMost(Duration.ofSeconds(15)).until(() -> server.bridge().subscriberCount(NUMBER) == 1);

            SimulatedCall call = SimulatedCall.of(NUMBER, "+16466429290", "Carol", "12#").withArgs(List.of("red", "a b"))
                    .withTiming(Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300));
            for (Via via : List.of(Via.LEGACY, Via.FASTAGI)) {
                String port = via == Via.LEGACY ? "relay" : "fastagi";
                CompletableFuture<CallResult> placed = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Simulator.place(call, via, "127.0.0.1", server.port(port));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                String id = placed.get(30, TimeUnit.SECONDS).callId();
                String expected = "{\"id\":\"" + id + "\",\"event\":\"new_call\",\"value\":\"16466429290|red|a%20b\"}\n"
                        + "{\"id\":\"" + id + "\",\"event\":\"keypress\",\"value\":\"1\"}\n"
                        + "{\"id\":\"" + id + "\",\"event\":\"keypress\",\"value\":\"2\"}\n"
                        + "{\"id\":\"" + id + "\",\"event\":\"keypress\",\"value\":\"#\"}\n"
                        + "{\"id\":\"" + id + "\",\"event\":\"hangup\",\"value\":\"0\"}\n";
                StringBuilder got = new StringBuilder();
                for (int i = 0; i < 5; i++) got.append(client.read('\n')).append('\n');
                assertThat(got.toString()).as("via %s", via).isEqualTo(expected);
            }
        }
    }
}
