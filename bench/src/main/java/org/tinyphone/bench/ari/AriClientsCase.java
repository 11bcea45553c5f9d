package org.tinyphone.bench.ari;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tinyphone.bench.agi.FastAgiCase;
import org.tinyphone.bench.harness.Child;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.bench.harness.Sys;

/**
 * ari-rest and ari-memory: the simulated ARI Asterisk ({@link AriSimMain}) pinned to core 0, each library's app
 * ({@link AriClientMain}) in turn pinned to core 1. REST: one call in Stasis, {@code GET /channels/{id}} through the
 * library, one request at a time and 16 at once. Memory: N calls held in Stasis by the app, its heap after GC
 * minus the same app's with none, per call.
 */
public final class AriClientsCase {
    static final List<String> LIBS = List.of("tinyphone", "ari4java");
    private final boolean quick;

    public AriClientsCase(boolean quick) {
        this.quick = quick;
    }

    private int requests() { return quick ? 3_000 : 20_000; }

    private int held() { return quick ? 1_000 : 5_000; }

    public void run() throws Exception {
        try (Child sim = Child.startJava("ari-sim", 0, List.of("-XX:+UseSerialGC", "-Xmx2g"), List.of("ari-sim"),
                Report.targetDir().resolve("bench-logs"))) {
            String url = field(sim.await("READY", Duration.ofSeconds(60)), "url");
            for (String lib : LIBS) {
                try {
                    runLib(sim, url, lib);
                } catch (IOException e) {
                    Report.summary("ari-rest/ari-memory: " + lib + " failed: " + e.getMessage());
                    sim.send("hangup");
                    sim.await("HUNGUP", Duration.ofSeconds(120));
                }
            }
        }
    }

    private void runLib(Child sim, String url, String lib) throws Exception {
        String app = "bench-" + lib;
        try (Child client = Child.startJava("ari-client-" + lib, 1, List.of("-XX:+UseSerialGC", "-Xmx1g"),
                List.of("ari-client", lib, url, app), Report.targetDir().resolve("bench-logs"))) {
            client.await("READY", Duration.ofSeconds(60));
            // REST: one call in Stasis, its channel read again and again
            sim.send("place " + app + " 1");
            String id = field(sim.await("PLACED", Duration.ofSeconds(30)), "first");
            awaitCalls(client, 1);
            client.send("rest " + id + " " + requests() / 4 + " 1"); // warm up
            client.await("REST", Duration.ofSeconds(300));
            for (int conc : new int[] {1, 16}) {
                client.send("rest " + id + " " + requests() + " " + conc);
                Map<String, Long> r = FastAgiCase.parse(client.await("REST", Duration.ofSeconds(600)));
                String c = "ari-rest-" + conc;
                Report.put(c, lib, "p50_us", r.get("p50us"));
                Report.put(c, lib, "p99_us", r.get("p99us"));
                Report.put(c, lib, "requests_per_s", r.get("rps"));
                Report.put(c, lib, "errors", r.get("errors"));
                Report.summary(String.format(Locale.ROOT, "ari-rest: %s, GET /channels/{id}, %d at a time: p50 %s, p99 %s, %,d requests/s,"
                                + " %d errors (%,d requests)", lib, conc, Report.micros(r.get("p50us")), Report.micros(r.get("p99us")),
                        r.get("rps"), r.get("errors"), r.get("n")));
            }
            sim.send("hangup");
            sim.await("HUNGUP", Duration.ofSeconds(60));
            awaitCalls(client, 0);

            // memory: the classes of a call's path loaded once, then the baseline, then N calls held
            sim.send("place " + app + " 50");
            sim.await("PLACED", Duration.ofSeconds(60));
            awaitCalls(client, 50);
            sim.send("hangup");
            sim.await("HUNGUP", Duration.ofSeconds(60));
            awaitCalls(client, 0);
            long heap0 = heap(client), rss0 = Sys.rssBytes(client.pid());
            int n = held();
            long t0 = System.nanoTime();
            sim.send("place " + app + " " + n);
            sim.await("PLACED", Duration.ofSeconds(300));
            Map<String, Long> calls = awaitCalls(client, n);
            double secs = (System.nanoTime() - t0) / 1e9;
            long heap = heap(client), rss = Sys.rssBytes(client.pid());
            int threads = Sys.threads(client.pid());
            double heapPer = (double) (heap - heap0) / n, rssPer = (double) (rss - rss0) / n;
            String c = "ari-memory-" + n;
            Report.put(c, lib, "heap_per_call", heapPer);
            Report.put(c, lib, "rss_per_call", rssPer);
            Report.put(c, lib, "os_threads", threads);
            Report.put(c, lib, "event_failures", calls.get("failures"));
            Report.summary(String.format(Locale.ROOT, "ari-memory: %s holds %,d calls in Stasis (all in after %.1f s): heap %s/call,"
                    + " RSS %s/call, %d OS threads, %d events it could not read", lib, n, secs, Report.bytes(heapPer), Report.bytes(rssPer),
                    threads, calls.get("failures")));
            sim.send("hangup");
            sim.await("HUNGUP", Duration.ofSeconds(300));
            awaitCalls(client, 0);
        }
    }

    /** Waits (at most 5 minutes) until the app holds {@code n} calls; its last CALLS line. */
    private static Map<String, Long> awaitCalls(Child client, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            client.send("calls");
            Map<String, Long> r = FastAgiCase.parse(client.await("CALLS", Duration.ofSeconds(30)));
            if (r.get("n") == n) return r;
            if (System.nanoTime() > deadline) throw new IOException(client.name() + " holds " + r.get("n") + " calls, not " + n);
            Thread.sleep(100);
        }
    }

    private static long heap(Child client) throws IOException {
        client.send("heap");
        return FastAgiCase.parse(client.await("HEAP", Duration.ofSeconds(60))).get("used");
    }

    /** The value of {@code key=value} in a result line. */
    static String field(String line, String key) {
        for (String w : line.split("\\s+")) {
            if (w.startsWith(key + "=")) return w.substring(key.length() + 1);
        }
        throw new IllegalArgumentException("no " + key + " in " + line);
    }
}
