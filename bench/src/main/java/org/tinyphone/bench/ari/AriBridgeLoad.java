package org.tinyphone.bench.ari;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.tinyphone.client.TinyphoneClient;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.client.TinyphoneListener;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;

/**
 * {@code BenchMain ari-bridge-load}: the Asterisk side and the app side of the ari-bridge case, one process. It plays
 * the simulated ARI Asterisk the server connects to (prints {@code READY url=...}), then on
 * {@code run N CLIENTS_PORT [FIRST_KEY_MS]}
 * connects a watching app (the Java client, native dialect) subscribed to one number, puts N callers into
 * {@code Stasis(tinyphone)} at once (each presses 1, 2, # and hangs up) and checks that every call's new_caller, its
 * three keys in order and one hangup reached the app, and how long it took until all N had been announced. Prints {@code MEASURE_START}, {@code MEASURE_END} and a
 * {@code RESULT} line.
 */
public final class AriBridgeLoad {
    static final String USER = "tinyphone";
    static final String PASSWORD = "bench-secret";
    static final String NUMBER = "13605162099";
    static final String KEYS = "12#";
    /** How long each caller waits before its first key, by default. */
    static final Duration FIRST_KEY = Duration.ofSeconds(20);

    private AriBridgeLoad() {}

    /** What the app saw of one call, by the caller's number (unique per call). */
    static final class Seen {
        volatile long newCallerNanos;
        volatile String callId;
        final StringBuilder keys = new StringBuilder();
        final AtomicInteger hangups = new AtomicInteger();
        final AtomicInteger problems = new AtomicInteger();
    }

    public static void main(String[] args) throws Exception {
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user(USER, PASSWORD).start()) {
            System.out.println("READY url=" + sim.url());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.trim().split("\\s+");
                switch (w[0]) {
                    case "run" -> System.out.println(run(sim, Integer.parseInt(w[1]), Integer.parseInt(w[2]),
                            w.length > 3 ? Duration.ofMillis(Long.parseLong(w[3])) : FIRST_KEY));
                    case "exit" -> {
                        return;
                    }
                    default -> System.out.println("ERROR unknown command " + w[0]);
                }
            }
        }
    }

    static String caller(int i) { return String.format("1555%07d", i); }

    /** One round: {@code n} callers, each pressing its first key after {@code firstKey}; the RESULT line. */
    static String run(SimulatedAriAsterisk sim, int n, int clientsPort, Duration firstKey) throws Exception {
        if (!Simulator.awaitAriServer(sim, Simulator.BRIDGE_APP, Duration.ofSeconds(60))) return "RESULT failed=1 reason=no-ari-connection";
        Map<String, Seen> seen = new ConcurrentHashMap<>();   // by caller number
        Map<String, Seen> byCall = new ConcurrentHashMap<>();
        AtomicLong unknown = new AtomicLong();
        for (int i = 0; i < n; i++) seen.put(caller(i), new Seen());
        CountDownLatch allHungUp = new CountDownLatch(n);
        TinyphoneClient app = TinyphoneClient.builder().port(clientsPort).listener(new TinyphoneListener() {
            @Override
            public void onEvent(TinyphoneEvent event) {
                switch (event) {
                    case TinyphoneEvent.NewCaller c -> {
                        Seen s = seen.get(c.callerId());
                        if (s == null || s.callId != null) {
                            unknown.incrementAndGet();
                            return;
                        }
                        s.newCallerNanos = System.nanoTime();
                        s.callId = c.callId();
                        byCall.put(c.callId(), s);
                    }
                    case TinyphoneEvent.Keypress k -> {
                        Seen s = byCall.get(k.callId());
                        if (s == null) unknown.incrementAndGet();
                        else synchronized (s.keys) { s.keys.append(k.key()); }
                    }
                    case TinyphoneEvent.Hangup h -> {
                        Seen s = byCall.get(h.callId());
                        if (s == null) unknown.incrementAndGet();
                        else if (s.hangups.incrementAndGet() == 1) allHungUp.countDown();
                        else s.problems.incrementAndGet();
                    }
                    default -> { }
                }
            }
        }).connect();
        try {
            app.subscribe(NUMBER).get(20, java.util.concurrent.TimeUnit.SECONDS);
            AtomicInteger inStasisMax = new AtomicInteger();
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    inStasisMax.accumulateAndGet(sim.channelsInStasis(), Math::max);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long[] placed = new long[n];
            AtomicLong failed = new AtomicLong(), endedByServer = new AtomicLong();
            List<Thread> calls = new ArrayList<>(n);
            System.out.println("MEASURE_START");
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                int k = i;
                // every caller waits firstKey before its first key, so that all N are in Stasis at once and every
                // one has been answered and announced before it presses (a caller who hangs up before that is never
                // announced: the bridge tells apps of a call once it has read the dialed number)
                SimulatedCall call = SimulatedCall.of(NUMBER, caller(i), "Caller " + i, KEYS)
                        .withTiming(firstKey, Duration.ofMillis(200), Duration.ofMillis(500));
                placed[k] = System.nanoTime();
                calls.add(Thread.ofVirtual().start(() -> {
                    try {
                        CallResult r = Simulator.placeAri(call, sim, Simulator.BRIDGE_APP);
                        if (r.endedBy() != CallResult.EndedBy.CALLER) endedByServer.incrementAndGet();
                    } catch (Exception | AssertionError e) {   // the simulated caller's await throws AssertionError
                        if (failed.incrementAndGet() <= 5) System.err.println("call " + caller(k) + ": " + e);
                    }
                }));
            }
            for (Thread t : calls) t.join();
            long callsDone = System.nanoTime();
            boolean all = allHungUp.await(60, java.util.concurrent.TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            System.out.println("MEASURE_END");
            sampler.interrupt();
            // every channel gone from Stasis afterwards: the callers' and the audio channels the server asked for
            long settle = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (sim.channelsInStasis() > 0 && System.nanoTime() < settle) Thread.sleep(50);
            Histogram setup = new Histogram(3);
            long lastNewCaller = t0;
            long complete = 0, lateNewCaller = 0, missingNew = 0, wrongKeys = 0, missingHangup = 0, duplicates = 0;
            for (int i = 0; i < n; i++) {
                Seen s = seen.get(caller(i));
                if (s.callId == null) {
                    missingNew++;
                    continue;
                }
                setup.recordValue(Math.max(0, (s.newCallerNanos - placed[i]) / 1000));
                lastNewCaller = Math.max(lastNewCaller, s.newCallerNanos);
                if (s.newCallerNanos - t0 > firstKey.toNanos()) lateNewCaller++;
                String keys;
                synchronized (s.keys) {
                    keys = s.keys.toString();
                }
                boolean ok = true;
                if (!keys.equals(KEYS)) {
                    wrongKeys++;
                    ok = false;
                }
                if (s.hangups.get() == 0) {
                    missingHangup++;
                    ok = false;
                }
                duplicates += s.problems.get();
                if (ok && s.problems.get() == 0) complete++;
            }
            return String.format(java.util.Locale.ROOT, "RESULT calls=%d complete=%d failed=%d endedByServer=%d missingNewCaller=%d"
                            + " wrongKeys=%d missingHangup=%d duplicateHangups=%d unknownEvents=%d maxInStasis=%d callsMs=%d wallMs=%d"
                            + " newCallerP50us=%d newCallerP99us=%d allAnnouncedMs=%d lateNewCaller=%d allHungUp=%d leftInStasis=%d",
                    n, complete, failed.get(), endedByServer.get(), missingNew, wrongKeys, missingHangup, duplicates, unknown.get(),
                    inStasisMax.get(), (callsDone - t0) / 1_000_000, (t1 - t0) / 1_000_000, setup.getValueAtPercentile(50),
                    setup.getValueAtPercentile(99), (lastNewCaller - t0) / 1_000_000, lateNewCaller, all ? 1 : 0,
                    sim.channelsInStasis());
        } finally {
            app.close();
        }
    }
}
