package org.tinyphone.bench.ari;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * {@code BenchMain ari-sim}: the simulated ARI Asterisk of asterisk-sim as a process of its own (the peer both libraries
 * talk to), driven by lines on stdin: {@code place APP N} (N callers enter {@code Stasis(APP)} and stay until told),
 * {@code hangup} (they all hang up), {@code stasis}, {@code exit}. Prints {@code READY url=...} first.
 */
public final class AriSimMain {
    public static final String USER = "bench";
    public static final String PASSWORD = "bench-secret";

    private AriSimMain() {}

    public static void main(String[] args) throws Exception {
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user(USER, PASSWORD).start()) {
            List<SimulatedAriCall> calls = new ArrayList<>();
            System.out.println("READY url=" + sim.url());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.trim().split("\\s+");
                switch (w[0]) {
                    case "place" -> {
                        int n = Integer.parseInt(w[2]);
                        String first = null;
                        for (int i = 0; i < n; i++) {
                            // a caller who just stays: no keys, never gives up (the app holds it in Stasis)
                            SimulatedAriCall c = sim.call(w[1]).giveUpAfter(Duration.ofHours(10)).place();
                            calls.add(c);
                            if (first == null) first = c.id();
                        }
                        System.out.println("PLACED n=" + n + " first=" + first);
                    }
                    case "hangup" -> {
                        for (SimulatedAriCall c : calls) if (!c.isDone()) c.hangup();
                        for (SimulatedAriCall c : calls) c.await(Duration.ofSeconds(60));
                        System.out.println("HUNGUP n=" + calls.size());
                        calls.clear();
                    }
                    case "stasis" -> System.out.println("STASIS n=" + sim.channelsInStasis());
                    case "exit" -> {
                        return;
                    }
                    default -> System.out.println("ERROR unknown command " + w[0]);
                }
            }
        }
    }
}
