package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tinyphone.client.TinyphoneClient;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * Load, sized for CI: 1,000 concurrent simulated calls with audio (half over the relay tunnel, a quarter as the
 * legacy lines, a quarter as AudioSocket after the FastAGI hand-off) on 100 numbers, watched by 200 native
 * clients (two per number). Every subscriber of a number gets every keypress and the hangup of every call on it,
 * in order per call, and audio levels while the calls talk.
 */
@Tag("load")
class LoadEndToEndTest {
    private static final int CALLS = Integer.getInteger("tinyphone.load.calls", 1000);
    private static final int NUMBERS = CALLS / 10;
    private static final int CLIENTS = NUMBERS * 2;
    private static final String KEYS = "123";

    /** What one client saw: call id -> event story (new_caller, keys, hangup), and the audio levels. */
    private static final class Seen {
        final Map<String, List<String>> calls = new ConcurrentHashMap<>();
        final AtomicInteger hangups = new AtomicInteger();
        final AtomicLong levels = new AtomicLong();

        void on(TinyphoneEvent e) {
            switch (e) {
                case TinyphoneEvent.NewCaller n -> story(n.callId()).add("new_caller");
                case TinyphoneEvent.Keypress k -> story(k.callId()).add(String.valueOf(k.key()));
                case TinyphoneEvent.Hangup h -> {
                    story(h.callId()).add("hangup");
                    hangups.incrementAndGet();
                }
                case TinyphoneEvent.AudioLevel a -> levels.incrementAndGet();
                default -> { }
            }
        }

        private List<String> story(String call) {
            return calls.computeIfAbsent(call, c -> Collections.synchronizedList(new ArrayList<>()));
        }
    }

    private static String number(int i) {
        return "1555300" + String.format("%04d", i % NUMBERS);
    }

    @Test
    void aThousandCallsWithAudioReachTwoHundredSubscribersCompleteAndInOrder() throws Exception {
        long started = System.nanoTime();
        try (RunningServer server = RunningServer.start(Map.of("clients.queue", "5000"))) {
            List<TinyphoneClient> clients = new ArrayList<>();
            List<Seen> seen = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Seen s = new Seen();
                TinyphoneClient client = TinyphoneClient.builder().host("127.0.0.1").port(server.port("clients"))
                        .listener(s::on).connect();
                client.subscribe(number(c)).get(30, TimeUnit.SECONDS);
                clients.add(client);
                seen.add(s);
            }

            AtomicInteger peak = new AtomicInteger();
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peak.accumulateAndGet(server.server.bridge().calls().size(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long callsStarted = System.nanoTime();
            List<Future<CallResult>> placed = new ArrayList<>();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < CALLS; i++) {
                    // the keys start 5 s in, so every call is connected before any of them ends
                    SimulatedCall call = SimulatedCall.of(number(i), "1555" + String.format("%07d", i), "Load " + i, KEYS)
                            .withAudio(AudioSource.tone()).withAudioBurst(Duration.ofMillis(100))
                            .withTiming(Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofMillis(700));
                    int n = i;
                    placed.add(threads.submit(() -> switch (n % 4) {
                        case 0, 1 -> Simulator.place(call, Via.RELAY, "127.0.0.1", server.port("relay"));
                        case 2 -> Simulator.place(call, Via.LEGACY, "127.0.0.1", server.port("relay"));
                        default -> Simulator.placeAudioSocketHandOff(call, "127.0.0.1", server.port("fastagi"),
                                server.port("audiosocket"));
                    }));
                }
            }
            List<CallResult> results = new ArrayList<>();
            for (Future<CallResult> f : placed) {
                results.add(f.get(120, TimeUnit.SECONDS));
            }
            sampler.interrupt();
            long callsEnded = System.nanoTime();

            assertThat(results).allSatisfy(r -> assertThat(r.keys()).isEqualTo(KEYS));
            assertThat(peak.get()).as("calls in progress at once").isGreaterThanOrEqualTo(CALLS * 9 / 10);

            // every subscriber of a number: every call on it, its keys in order, one hangup last
            int perNumber = CALLS / NUMBERS;
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.stream().allMatch(s -> s.hangups.get() == perNumber));
            for (int c = 0; c < CLIENTS; c++) {
                Seen s = seen.get(c);
                assertThat(s.calls).as("client %d (number %s)", c, number(c)).hasSize(perNumber);
                assertThat(s.calls.values()).allSatisfy(story ->
                        assertThat(story).containsExactly("new_caller", "1", "2", "3", "hangup"));
                assertThat(s.levels.get()).as("client %d audio levels", c).isPositive();
            }
            long levels = seen.stream().mapToLong(s -> s.levels.get()).sum();
            var registry = server.server.metrics();
            double emitted = registry.find("tinyphone.events").tag("type", "audio_level").counter().count();
            double coalesced = registry.find("tinyphone.client.audio_levels.coalesced").counter().count();
            double dropped = registry.find("tinyphone.client.audio_levels.dropped").counter().count();
            System.out.printf("load: %d calls (peak %d at once) with audio to %d clients in %.1f s (calls %.1f s); "
                            + "audio levels: %.0f emitted, %d delivered, %.0f coalesced, %.0f dropped%n", CALLS,
                    peak.get(), CLIENTS, (System.nanoTime() - started) / 1e9, (callsEnded - callsStarted) / 1e9,
                    emitted, levels, coalesced, dropped);
            clients.forEach(TinyphoneClient::close);
        }
    }
}
