package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.server.LogCapture;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.WsTestClient;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * A flood of the client port (12002) while calls run: thousands of connections that close at once, send garbage,
 * or sit silent, far more than {@code clients.max-connections}. The calls and the clients connected before the flood
 * (native TCP, the original dialect, WebSocket) get every event, each call exactly one hangup; connections over the
 * cap are refused at once and counted; the log stays a few lines; afterwards new clients connect again. (The silent
 * ones would go at the handshake deadline, default 10 s: ListenerDeadlinesTest shows that.)
 */
class ClientPortFloodTest {
    private static final String NUMBER = "13605550100";
    private static final String KEYS = "1234567890";
    private static final int CALLS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void callsAndConnectedClientsAreUnhurtByAFloodOfTheClientPortAndTheLogStaysBounded() throws Exception {
        AtomicBoolean over = new AtomicBoolean();
        AtomicBoolean flooding = new AtomicBoolean(true);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor(); // closed last: waits for its threads
             RunningServer server = RunningServer.start(Map.of("clients.max-connections", "30"));
             RunningServer.Watcher nativeOne = server.watch(NUMBER);
             RunningServer.Watcher nativeTwo = server.watch(NUMBER);
             TcpTestClient original = originalDialect(server.port("clients"));
             WsTestClient web = WsTestClient.connect(server.port("http"));
             AutoCloseable stop = () -> { // closed first: the flood threads end, so the executor's close can
                 flooding.set(false);
                 over.set(true);
             }) {
            web.expect("hello");
            web.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\",\"id\":\"s\"}");
            web.expect("subscribed");
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                    assertThat(server.server.bridge().subscriberCount(NUMBER)).as("subscribers").isEqualTo(4));
            List<String> originalEvents = new CopyOnWriteArrayList<>();
            List<JsonNode> webEvents = new CopyOnWriteArrayList<>();
            // (their own threads: the executor's close must not wait for them)
            Thread.ofVirtual().start(() -> collect(original, originalEvents));
            Thread.ofVirtual().start(() -> collect(web, webEvents, over));

            try (LogCapture log = LogCapture.begin()) {
                long floodStarted = System.nanoTime();
                AtomicLong floodConnections = new AtomicLong();
                List<Socket> silent = new CopyOnWriteArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int kind = t;
                    threads.submit(() -> flood(server.port("clients"), kind, flooding, floodConnections, silent));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> floodConnections.get() >= 500);

                List<CompletableFuture<CallResult>> calls = new ArrayList<>();
                for (int i = 0; i < CALLS; i++) {
                    SimulatedCall call = SimulatedCall.of(NUMBER, "1555010000" + i, "Caller " + i, KEYS)
                            .withTiming(Duration.ofMillis(100), Duration.ofMillis(80), Duration.ofMillis(200));
                    calls.add(CompletableFuture.supplyAsync(() -> place(call, server.port("fastagi")), threads));
                }
                List<String> callIds = new ArrayList<>();
                for (CompletableFuture<CallResult> c : calls) {
                    CallResult r = c.get(120, TimeUnit.SECONDS);
                    assertThat(r.keys()).isEqualTo(KEYS);
                    callIds.add(r.callId());
                }
                flooding.set(false);
                long made = floodConnections.get();
                for (Socket s : silent) s.close();

                for (RunningServer.Watcher w : List.of(nativeOne, nativeTwo)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> w.of(TinyphoneEvent.Hangup.class).size() == CALLS);
                    for (String id : callIds) assertThat(w.storyOfCall(id)).as("native client, call %s", id).isEqualTo(expected());
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> originalEvents.stream().filter(e -> e.contains("\"event\":\"hangup\"")).count() == CALLS);
                for (String id : callIds) {
                    List<String> story = new ArrayList<>();
                    for (String e : originalEvents) {
                        JsonNode n = JSON.readTree(e);
                        if (!n.path("id").asText().equals(id)) continue;
                        switch (n.path("event").asText()) {
                            case "new_call" -> story.add("new_caller");
                            case "keypress" -> story.add("keypress " + n.path("value").asText());
                            case "hangup" -> story.add("hangup");
                            default -> { }
                        }
                    }
                    assertThat(story).as("original-dialect client, call %s", id).isEqualTo(expected());
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> webEvents.stream().filter(e -> e.path("type").asText().equals("hangup")).count() == CALLS);
                for (String id : callIds) {
                    assertThat(webEvents.stream().filter(e -> e.path("call").asText().equals(id))
                            .map(e -> e.path("type").asText() + (e.path("type").asText().equals("keypress") ? " " + e.path("value").asText() : ""))
                            .filter(e -> !e.equals("audio_level")).toList())
                            .as("WebSocket client, call %s", id).isEqualTo(expected());
                }

                String metrics = Scrape.metrics(server.port("http"));
                assertThat(Scrape.refused(metrics, "clients", "cap")).isPositive();
                // a few lines per kind of message per 10 s (the limiter's window), and one per call
                long windows = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - floodStarted) / 10 + 2;
                assertThat(log.count()).as("log lines during %d flood connections:%n%s", made, String.join("\n", log.lines()))
                        .isLessThan((int) (20 * windows) + 2 * CALLS);
            }

            // after the flood: new clients get in
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try (RunningServer.Watcher late = server.watch(NUMBER)) {
                    return true;
                } catch (Exception stillFull) {
                    return false;
                }
            });
        }
    }

    /** One flood thread: connects over and over; by kind, closes at once, sends garbage, or keeps a silent one. */
    private static void flood(int port, int kind, AtomicBoolean flooding, AtomicLong made, List<Socket> silent) {
        byte[] garbage = "GET / HTTP/1.1\r\n\u001b[2J\r\n".getBytes(StandardCharsets.ISO_8859_1);
        while (flooding.get()) {
            try {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                made.incrementAndGet();
                switch (kind % 3) {
                    case 0 -> s.close();
                    case 1 -> {
                        try (s; OutputStream out = s.getOutputStream()) {
                            out.write(garbage);
                        } catch (IOException refused) {
                            // over the cap: closed under us
                        }
                    }
                    default -> silent.add(s);
                }
            } catch (IOException e) {
                // the backlog is full: try again
            }
        }
    }

    /** A client of the original dialect, subscribed with its CONNECT line. */
    private static TcpTestClient originalDialect(int port) throws IOException {
        TcpTestClient c = TcpTestClient.connect(port);
        c.send("CONNECT,flood-test," + NUMBER + ",NULL\0");
        return c;
    }

    private static List<String> expected() {
        List<String> story = new ArrayList<>(List.of("new_caller"));
        for (char k : KEYS.toCharArray()) story.add("keypress " + k);
        story.add("hangup");
        return story;
    }

    private static CallResult place(SimulatedCall call, int port) {
        try {
            return Simulator.place(call, Via.FASTAGI, "127.0.0.1", port);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void collect(TcpTestClient client, List<String> into) {
        try {
            while (true) into.add(client.read('\0'));
        } catch (IOException closed) {
            // the test is over
        }
    }

    private static void collect(WsTestClient client, List<JsonNode> into, AtomicBoolean over) {
        while (!over.get()) {
            try {
                into.add(client.next());
            } catch (Exception | AssertionError quiet) {
                // nothing for 15 s: keep listening until the test is over
            }
        }
    }
}
