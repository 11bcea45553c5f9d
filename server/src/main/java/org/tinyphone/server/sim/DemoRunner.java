package org.tinyphone.server.sim;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * {@code ./tinyphone demo}: the server plus a stream of simulated calls, so the live page shows something without
 * Asterisk. Every few seconds a caller dials the demo number over one of the real ways in (the relay tunnel with
 * audio, FastAGI, AudioSocket joined by its FastAGI hand-off, the legacy lines, and ARI: a simulated ARI
 * Asterisk the server connects to puts the caller into {@code Stasis(tinyphone)}, with its audio over externalMedia),
 * presses a few keys and hangs up. Prints the page's URL and one line per call.
 */
public final class DemoRunner {
    /** The number the demo calls dial. */
    public static final String DEMO_NUMBER = "13605162099";

    private static final List<String> NAMES = List.of("Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan",
            "Judy", "Mallory", "Niaj", "Olivia", "Peggy");
    private static final List<Via> ROTATION = List.of(Via.RELAY, Via.FASTAGI, Via.ARI, Via.AUDIOSOCKET, Via.LEGACY);
    /** The ARI user the demo's simulated Asterisk knows. */
    private static final String ARI_USER = "demo";

    private DemoRunner() {}

    /**
     * Starts the server with {@code config} and places calls until interrupted, or {@code calls} of them if
     * {@code calls > 0}; returns the exit code.
     */
    public static int run(TinyphoneConfig config, Duration every, int calls, PrintStream out) throws InterruptedException {
        // ARI: unless the config connects to a real Asterisk, the server connects to a simulated one made here
        SimulatedAriAsterisk asterisk = null;
        if (!config.bool("ari.enabled")) {
            String password = java.util.UUID.randomUUID().toString();
            asterisk = SimulatedAriAsterisk.builder().user(ARI_USER, password).playbackMillis(m -> 600).start();
            config = config.with(Map.of("ari.enabled", "true", "ari.url", asterisk.url(), "ari.user", ARI_USER,
                    "ari.password", password));
        }
        try (SimulatedAriAsterisk ari = asterisk; TinyphoneServer server = TinyphoneServer.start(config)) {
            String app = config.get("ari.app");
            if (ari != null && !Simulator.awaitAriServer(ari, app, Duration.ofSeconds(10))) {
                out.println("  (the server did not connect to the demo's simulated ARI Asterisk: no ARI calls)");
            }
            int http = server.port("http");
            out.println();
            out.println("  Tinyphone demo is running.");
            if (http > 0) {
                out.println("  Open the live page:  http://127.0.0.1:" + http + "/?number=" + DEMO_NUMBER);
                out.println("  (or watch every number: http://127.0.0.1:" + http + "/)");
            }
            int clients = server.port("clients");
            if (clients > 0) {
                out.println("  Apps connect to 127.0.0.1:" + clients + " (JSON lines; see examples/python).");
            }
            out.println("  A simulated call dials " + DEMO_NUMBER + " every " + every.toSeconds() + " s. Ctrl-C stops.");
            out.println();
            List<Thread> placed = new java.util.ArrayList<>();
            for (int i = 0; calls <= 0 || i < calls; i++) {
                Via via = ROTATION.get(i % ROTATION.size());
                if (server.port(listenerOf(via)) <= 0 || via == Via.AUDIOSOCKET && server.port("fastagi") <= 0
                        || via == Via.ARI && (ari == null || !ari.connectedApps().contains(app))) {
                    continue;
                }
                placed.add(placeInBackground(server, ari, app, via, i, out));
                placed.removeIf(t -> !t.isAlive());
                Thread.sleep(every.toMillis());
            }
            for (Thread t : placed) {
                t.join(Duration.ofSeconds(30)); // let the last calls finish
            }
        }
        return 0;
    }

    /** Runs the demo with the default config on the usual ports. */
    public static void main(String[] args) throws InterruptedException {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        System.exit(run(TinyphoneConfig.load(null, System.getenv(), Map.of()), Duration.ofSeconds(4), calls,
                System.out));
    }

    static String listenerOf(Via via) {
        return switch (via) {
            case FASTAGI -> "fastagi";
            case RELAY, LEGACY -> "relay";
            case AUDIOSOCKET -> "audiosocket";
            case ARI -> "ari";
        };
    }

    private static Thread placeInBackground(TinyphoneServer server, SimulatedAriAsterisk ari, String app, Via via, int n,
                                            PrintStream out) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String name = NAMES.get(n % NAMES.size());
        String from = "1555" + String.format("%07d", random.nextInt(10_000_000));
        StringBuilder keys = new StringBuilder();
        int count = 2 + random.nextInt(5);
        for (int i = 0; i < count; i++) {
            keys.append("0123456789*#".charAt(random.nextInt(12)));
        }
        SimulatedCall call = SimulatedCall.of(DEMO_NUMBER, from, name, keys.toString())
                .withTiming(Duration.ofMillis(900), Duration.ofMillis(500 + random.nextInt(400)), Duration.ofSeconds(2))
                .withAudio(via == Via.FASTAGI ? null : AudioSource.tone());
        return Thread.ofVirtual().name("demo-call-" + n).start(() -> {
            try {
                CallResult result = switch (via) {
                    case AUDIOSOCKET -> handOff(server, call);
                    case ARI -> Simulator.placeAri(call, ari, app);
                    default -> Simulator.place(call, via, "127.0.0.1", server.port(listenerOf(via)));
                };
                out.printf("  call %-22s %-11s from %s (%s): keys %-8s %.1f s%n", result.callId(), via.name().toLowerCase(),
                        from, name, result.keys(), result.duration().toMillis() / 1000.0);
            } catch (Exception e) {
                out.println("  call via " + via.name().toLowerCase() + " failed: " + e.getMessage());
            }
        });
    }

    private static CallResult handOff(TinyphoneServer server, SimulatedCall call) throws Exception {
        return Simulator.placeAudioSocketHandOff(call, "127.0.0.1", server.port("fastagi"), server.port("audiosocket"));
    }
}
