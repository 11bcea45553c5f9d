package org.tinyphone.bench.agi;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tinyphone.bench.harness.Child;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.bench.harness.Sys;

/**
 * memory: N calls parked in WAIT FOR DIGIT -1; heap after full GC (MemoryMXBean in the server process) and
 * VmRSS, minus the same server's figures with no call, divided by the calls actually parked.
 */
public final class MemoryCase {
    private final int[] steps;

    public MemoryCase(boolean quick) {
        // quick: 5,000, because asterisk-java's raised pool needs 15-60 s just to start 10,000 threads on one core
        this.steps = quick ? new int[] {5_000} : new int[] {1_000, 10_000};
    }

    public void run() throws Exception {
        for (String server : FastAgiCase.SERVERS) {
            long started = System.nanoTime();
            try {
                runServer(server);
            } catch (UnsupportedOperationException | java.io.IOException e) {
                Report.summary("memory: " + server + " not measurable: " + e.getMessage());
            } finally {
                Report.info(String.format(Locale.ROOT, "%s: %.1f s", server, (System.nanoTime() - started) / 1e9));
            }
        }
    }

    private void runServer(String server) throws Exception {
        try (Child srv = Child.startJava("memory-" + server, FastAgiCase.SERVER_CORE, FastAgiCase.serverJvmArgs(),
                List.of("agi-server", server, "park"), Report.targetDir().resolve("bench-logs"))) {
            int port = Integer.parseInt(srv.await("READY", Duration.ofSeconds(60)).substring("READY port=".length()));
            try (Child gen = Child.startJava("memory-loadgen-" + server, FastAgiCase.LOADGEN_CORE, FastAgiCase.loadgenJvmArgs(),
                    List.of("agi-loadgen", Integer.toString(port), "park"), Report.targetDir().resolve("bench-logs"))) {
                gen.await("READY", Duration.ofSeconds(60));
                // load the classes of a call's whole path once, then take the empty-server baseline
                gen.send("park 50");
                gen.await("PARKED", Duration.ofSeconds(60));
                gen.send("release");
                gen.await("RELEASED", Duration.ofSeconds(60));
                Thread.sleep(500);
                long heap0 = heap(srv), rss0 = Sys.rssBytes(srv.pid());
                int total = 0;
                for (int n : steps) {
                    gen.send("park " + (n - total));
                    long p0 = System.nanoTime();
                    Map<String, Long> p = FastAgiCase.parse(gen.await("PARKED", Duration.ofSeconds(180)));
                    Report.info(String.format(Locale.ROOT, "%s: %,d parked in %.1f s", server, n, (System.nanoTime() - p0) / 1e9));
                    total = n;
                    long parked = p.get("total"), refused = p.get("refused");
                    Thread.sleep(500);
                    long heap = heap(srv), rss = Sys.rssBytes(srv.pid());
                    int threads = Sys.threads(srv.pid());
                    double heapPer = parked == 0 ? Double.NaN : (double) (heap - heap0) / parked;
                    double rssPer = parked == 0 ? Double.NaN : (double) (rss - rss0) / parked;
                    String c = "memory-" + n;
                    Report.put(c, server, "parked", parked);
                    Report.put(c, server, "refused", refused);
                    Report.put(c, server, "heap_per_call", heapPer);
                    Report.put(c, server, "rss_per_call", rssPer);
                    Report.put(c, server, "os_threads", threads);
                    Report.summary(String.format(Locale.ROOT,
                            "memory-%d: %s parked %,d (refused %,d): heap %s/call, RSS %s/call, %,d OS threads",
                            n, server, parked, refused, Report.bytes(heapPer), Report.bytes(rssPer), threads));
                }
                long r0 = System.nanoTime();
                gen.send("release");
                gen.await("RELEASED", Duration.ofSeconds(120));
                Report.info(String.format(Locale.ROOT, "%s: released in %.1f s", server, (System.nanoTime() - r0) / 1e9));
            }
        }
    }

    private static long heap(Child srv) throws java.io.IOException {
        srv.send("heap");
        return FastAgiCase.parse(srv.await("HEAP", Duration.ofSeconds(60))).get("used");
    }
}
