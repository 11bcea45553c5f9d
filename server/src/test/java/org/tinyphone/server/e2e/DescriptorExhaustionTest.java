package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.client.TinyphoneClient;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * The descriptor limit reached and released: the server runs in a child JVM with a low limit ({@code ulimit -n}); a
 * flood of connections to the client port takes every descriptor, so accepting fails with EMFILE on every
 * listener. While it lasts, the call already in progress and the clients already connected are served, and the log
 * grows by a few lines, not by a line per failed accept. When the flood lets go, every listener (relay, clients,
 * HTTP, FastAGI, AudioSocket) accepts and serves again by itself.
 */
class DescriptorExhaustionTest {
    /** The child's descriptor limit: room for the JVM, its jars and the listeners, and not much more. */
    private static final int LIMIT = 400;
    private static final List<String> LISTENERS = List.of("relay", "clients", "http", "fastagi", "audiosocket");

    @Test
    void everyListenerServesAgainAfterTheDescriptorLimitWasReachedAndReleased(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("server.log");
        // a long handshake deadline: the flood's silent connections stay until the test lets them go
        try (ChildServer child = ChildServer.start(dir, LIMIT, log, "listeners.handshake-timeout=5m");
             RunningServer.Watcher watcher = RunningServer.Watcher.connect(child.port("clients"), "*")) {
            // Serve once on every listener first: out of descriptors, a class file that is not loaded yet cannot be
            // opened (tests run from class directories), so every path the flood and the recovery take is warmed.
            serveOnEveryListener(child, watcher, "1");

            CompletableFuture<CallResult> inProgress = CompletableFuture.supplyAsync(() -> place(
                    SimulatedCall.of("2000", "15550002000", "During", "12345")
                            .withTiming(Duration.ofMillis(200), Duration.ofMillis(600), Duration.ofMillis(300)),
                    Via.FASTAGI, child.port("fastagi")));
            await().atMost(Duration.ofSeconds(30)).until(() -> watcher.story("2000").contains("keypress 1"));

            List<Socket> flood = new ArrayList<>();
            try {
                int free = LIMIT - child.openDescriptors();
                for (int i = 0; i < free + 60; i++) flood.add(connect(child.port("clients")));
                await().atMost(Duration.ofSeconds(60)).until(() -> logContains(child, "clients: accept failed"));
                for (String l : LISTENERS) flood.add(connect(child.port(l))); // now each accept loop meets EMFILE
                await().atMost(Duration.ofSeconds(60)).until(() -> LISTENERS.stream()
                        .allMatch(l -> logContains(child, l + ": accept failed")));
                assertThat(child.log()).contains("Too many open files");

                long before = Files.size(log);
                Thread.sleep(2000); // out of descriptors a while: the loops go on retrying, with pauses
                long during = Files.size(log) - before;
                assertThat(during).as("log bytes written in 2 s out of descriptors:%n%s", tailFrom(child.log(), before))
                        .isLessThan(16 * 1024);
            } finally {
                for (Socket s : flood) s.close();
            }

            CallResult call = inProgress.get(60, TimeUnit.SECONDS);
            assertThat(call.keys()).isEqualTo("12345");
            await().atMost(Duration.ofSeconds(30)).until(() -> watcher.story("2000").contains("hangup"));
            assertThat(watcher.story("2000")).as("the call in progress, seen by a client connected before the flood")
                    .containsExactly("new_caller", "keypress 1", "keypress 2", "keypress 3", "keypress 4", "keypress 5",
                            "hangup");

            serveOnEveryListener(child, watcher, "3");
            String metrics = Scrape.metrics(child.port("http"));
            for (String l : LISTENERS) {
                assertThat(Scrape.value(metrics, "tinyphone_listener_accept_errors_total{listener=\"" + l + "\"}"))
                        .as("accept errors of %s", l).isPositive();
            }
            assertThat(child.isAlive()).isTrue();
        } finally {
            if (Files.exists(log)) Files.copy(log, Path.of("target", "descriptor-exhaustion-server.log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING); // for a person to read
        }
    }

    /** A call through each Asterisk-facing listener, a new client on 12002 and a page on 12003. */
    private static void serveOnEveryListener(ChildServer child, RunningServer.Watcher watcher, String round)
            throws Exception {
        List<CompletableFuture<CallResult>> calls = new ArrayList<>();
        List<String> numbers = new ArrayList<>();
        for (Via via : List.of(Via.FASTAGI, Via.RELAY, Via.LEGACY, Via.AUDIOSOCKET)) {
            String number = round + "00" + via.ordinal();
            numbers.add(number);
            int port = child.port(switch (via) {
                case FASTAGI -> "fastagi";
                case RELAY, LEGACY -> "relay";
                case AUDIOSOCKET -> "audiosocket";
                case ARI -> throw new IllegalStateException("the server connects to Asterisk over ARI: no listener here");
            });
            calls.add(CompletableFuture.supplyAsync(() -> place(SimulatedCall.of(number, "1555000" + number, null, "7")
                    .withTiming(Duration.ZERO, Duration.ofMillis(50), Duration.ofMillis(100)), via, port)));
        }
        try (TinyphoneClient fresh = TinyphoneClient.builder().host("127.0.0.1").port(child.port("clients")).connect()) {
            fresh.subscribe("nobody").get(30, TimeUnit.SECONDS);
        }
        assertThat(Scrape.get(child.port("http"), "/health")).contains("\"status\":\"up\"");
        for (CompletableFuture<CallResult> c : calls) assertThat(c.get(60, TimeUnit.SECONDS).keys()).isEqualTo("7");
        for (String number : numbers) {
            if (number.endsWith("3")) continue; // AudioSocket alone: its calls go to the number "unknown"
            await().atMost(Duration.ofSeconds(30)).until(() -> watcher.story(number).contains("hangup"));
            assertThat(watcher.story(number)).as("calls to %s", number).containsExactly("new_caller", "keypress 7", "hangup");
        }
    }

    private static CallResult place(SimulatedCall call, Via via, int port) {
        try {
            return Simulator.place(call, via, "127.0.0.1", port);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(via + " call failed", e);
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return s;
    }

    private static boolean logContains(ChildServer child, String text) {
        try {
            return child.log().contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static String tailFrom(String log, long from) {
        return log.length() > from ? log.substring((int) Math.min(from, log.length()), Math.min(log.length(), (int) from + 4000)) : "";
    }
}
