package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.client.TinyphoneClient;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * The disk for the log is full: the server's stderr, where logback writes, is /dev/full (every write fails with
 * ENOSPC). Calls still come in through FastAGI and the relay, connected clients see them, new clients connect, apps
 * talk back, while the server logs a great deal (refused paths, malformed legacy lines, clients without a dialect).
 */
class LogDiskFullTest {

    @Test
    void theServerKeepsServingCallsAndClientsWhenItsLogCannotBeWritten(@TempDir Path dir) throws Exception {
        try (ChildServer child = ChildServer.start(dir, 0, Path.of("/dev/full"), "listeners.handshake-timeout=2s");
             RunningServer.Watcher watcher = RunningServer.Watcher.connect(child.port("clients"), "*")) {
            for (int round = 0; round < 2; round++) {
                makeLogLines(child, round == 0);
                String fastagi = "71" + round, relay = "72" + round;
                CompletableFuture<CallResult> one = CompletableFuture.supplyAsync(() -> place(fastagi, Via.FASTAGI,
                        child.port("fastagi")));
                CompletableFuture<CallResult> two = CompletableFuture.supplyAsync(() -> place(relay, Via.RELAY,
                        child.port("relay")));
                await().atMost(Duration.ofSeconds(30)).until(() -> watcher.story(fastagi).contains("keypress 4"));
                String callId = watcher.of(TinyphoneEvent.NewCaller.class).stream().filter(n -> n.number().equals(fastagi))
                        .findFirst().orElseThrow().callId();
                assertThat(watcher.client.sayNumber(callId, 42).get(30, TimeUnit.SECONDS).ok()).as("talk-back").isTrue();
                assertThat(one.get(60, TimeUnit.SECONDS).keys()).isEqualTo("45");
                assertThat(two.get(60, TimeUnit.SECONDS).keys()).isEqualTo("45");
                for (String number : List.of(fastagi, relay)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> watcher.story(number).contains("hangup"));
                    assertThat(watcher.story(number)).containsExactly("new_caller", "keypress 4", "keypress 5", "hangup");
                }
                try (TinyphoneClient fresh = TinyphoneClient.builder().host("127.0.0.1").port(child.port("clients")).connect()) {
                    fresh.subscribe("nobody").get(30, TimeUnit.SECONDS);
                }
            }
            assertThat(Scrape.get(child.port("http"), "/health")).contains("\"status\":\"up\"");
            assertThat(child.isAlive()).isTrue();
        }
    }

    /** Things the server logs: an unknown FastAGI path, malformed legacy lines, (once) a silent client. */
    private static void makeLogLines(ChildServer child, boolean silentClient) throws Exception {
        try (Socket relay = new Socket("127.0.0.1", child.port("relay"))) {
            OutputStream out = relay.getOutputStream();
            out.write("id:1,event:new_call,value:1|2\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 200; i++) out.write(("nonsense " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        Simulator.placeFastAgi(SimulatedCall.of("1", "2", null, ""), "no-such-app", "127.0.0.1", child.port("fastagi"));
        if (silentClient) {
            try (Socket silent = new Socket("127.0.0.1", child.port("clients"))) {
                silent.setSoTimeout(30_000);
                silent.getInputStream().readAllBytes(); // closed by the deadline, with a reason line
            }
        }
    }

    private static CallResult place(String number, Via via, int port) {
        try {
            return Simulator.place(SimulatedCall.of(number, "1555000" + number, "Full", "45")
                    .withTiming(Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofMillis(200)), via, "127.0.0.1", port);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
