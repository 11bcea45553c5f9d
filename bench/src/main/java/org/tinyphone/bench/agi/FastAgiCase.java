package org.tinyphone.bench.agi;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tinyphone.bench.harness.Child;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.bench.harness.Sys;

/**
 * fastagi-{1,100,1000,10000}: the load generator ({@link NioAgiLoadGen} by default, core 0) runs the 6-command script against each FastAGI
 * server (core 1) in a closed loop at each concurrency. Server CPU comes from /proc/&lt;pid&gt;/stat over the
 * measurement window only; idle CPU is measured after the load, over a quiet window.
 */
public final class FastAgiCase {
    public static final int[] CONCURRENCY = {1, 100, 1000, 10_000};
    public static final List<String> SERVERS = List.of("tinyphone", "asterisk-java", "asterisk-java-raised");
    /**
     * {@link FloorAgi}: the leanest virtual-thread FastAGI server, measured at {@link #FLOOR_CONCURRENCY} only. Its
     * CPU per call is what the kernel's TCP work and a virtual thread per call cost here, whatever the server does.
     */
    static final String FLOOR = "floor";
    static final int[] FLOOR_CONCURRENCY = {100, 1000};
    static final int SERVER_CORE = 1, LOADGEN_CORE = 0;
    /** Fewer calls than this in a window are reported, but not turned into a ratio. */
    static final int MIN_CALLS = 50;
    /**
     * The load generator: {@code agi-loadgen-nio} (NioAgiLoadGen, one thread and one selector for all calls; the
     * default since 2026-11-23 19:00 UTC: it needs about half the CPU per call of AgiLoadGen and keeps both servers
     * saturated at 100 calls and more, where AgiLoadGen saturated its own core first) or, with
     * {@code -Dbench.loadgen=agi-loadgen}, AgiLoadGen (a virtual thread per call; the figures published before
     * that). Both play Asterisk identically on the wire.
     */
    static final String LOADGEN = System.getProperty("bench.loadgen", "agi-loadgen-nio");

    /** One measured run. */
    public record Run(int conc, double callsPerSec, double cpuUsPerCall, double stepP50us, double stepP99us,
                      double callP99us, long refused, long errors, long calls, double serverCpuPct, double loadgenCpuPct,
                      double firstStepP50us, double firstStepP99us, double userUsPerCall, double systemUsPerCall) {}

    private final boolean quick;
    private final long warmMs, measureMs, firstWarmMs, idleMs, settleMs, drainMs;
    private final int[] floorConcurrency;

    /** {@code quick}: the whole case (three servers, no floor) in under a minute. */
    public FastAgiCase(boolean quick) {
        this.quick = quick;
        this.warmMs = quick ? 500 : 3000;
        this.measureMs = quick ? 1000 : 10_000;
        this.firstWarmMs = quick ? 2000 : 15_000;
        this.idleMs = quick ? 1000 : 10_000;
        this.settleMs = quick ? 500 : 3000;
        // the figures are taken at the window's end; what is still in progress then only has to get out of the
        // way of the next measurement (asterisk-java's raised pool at 10,000 calls takes up to a minute)
        this.drainMs = quick ? 2000 : 60_000;
        this.floorConcurrency = quick ? new int[0] : FLOOR_CONCURRENCY; // full runs only: it would take --quick past a minute
    }

    /** The server's JVM flags, plus any in {@code -Dbench.server.flags="..."} (e.g. {@code -Djdk.pollerMode=1}). */
    public static List<String> serverJvmArgs() {
        List<String> args = new java.util.ArrayList<>(List.of("-XX:+UseSerialGC", "-Xms256m", "-XX:+EnableDynamicAgentLoading"));
        String extra = System.getProperty("bench.server.flags", "").trim();
        if (!extra.isEmpty()) args.addAll(List.of(extra.split("\\s+")));
        return args;
    }

    static List<String> loadgenJvmArgs() {
        return List.of("-XX:+UseSerialGC", "-Xms512m", "-Xss512k");
    }

    public void run() throws Exception {
        Map<String, Map<Integer, Run>> results = new LinkedHashMap<>();
        Map<String, Double> idle = new HashMap<>();
        List<String> servers = new java.util.ArrayList<>(SERVERS);
        if (floorConcurrency.length > 0) servers.add(FLOOR);
        for (String server : servers) {
            try {
                results.put(server, runServer(server, concurrencyFor(server), idle));
            } catch (UnsupportedOperationException | IOException e) {
                Report.info(server + ": not measurable: " + e.getMessage());
            }
        }
        for (int conc : CONCURRENCY) {
            Run tp = get(results, "tinyphone", conc), aj = get(results, "asterisk-java", conc),
                    ajr = get(results, "asterisk-java-raised", conc);
            // below 500 calls the raised pool is the default pool (core threads grow on demand up to the max)
            if (ajr == null && conc < 1000 && results.containsKey("asterisk-java-raised")) ajr = aj;
            String name = "fastagi-" + conc;
            // a ratio needs enough calls in the window on both sides (a short --quick window at 10,000 calls may see few)
            if (tp != null && tp.calls < MIN_CALLS) tp = null;
            if (ajr != null && ajr.calls < MIN_CALLS) ajr = null;
            StringBuilder sb = new StringBuilder(name).append(": tinyphone ")
                    .append(tp == null ? "not measurable (too few calls in the window, or no server)" : Report.rate(tp.callsPerSec) + " calls/s")
                    .append(", asterisk-java ").append(aj == null ? "n/a" : Report.rate(aj.callsPerSec) + " calls/s")
                    .append(" (raised pool ").append(ajr == null ? "n/a: too few calls in the window" : Report.rate(ajr.callsPerSec)).append(")")
                    .append(", ratio ").append(tp == null || aj == null ? "n/a" : Report.ratio(tp.callsPerSec, aj.callsPerSec));
            if (tp != null && ajr != null) sb.append(" (").append(Report.ratio(tp.callsPerSec, ajr.callsPerSec)).append(" vs raised)");
            Report.summary(sb.toString());
            for (String s : SERVERS) {
                Run r = get(results, s, conc);
                if (r == null) continue;
                Report.summary(String.format(java.util.Locale.ROOT,
                        "    %-21s cpu/call %s, step p50 %s p99 %s, call p99 %s, refused %,d, errors %,d",
                        s, Report.micros(r.cpuUsPerCall), Report.micros(r.stepP50us), Report.micros(r.stepP99us),
                        Report.micros(r.callP99us), r.refused, r.errors));
            }
            Run floor = get(results, FLOOR, conc);
            if (floor != null && floor.calls >= MIN_CALLS) {
                Report.summary(String.format(java.util.Locale.ROOT,
                        "    floor (the leanest virtual-thread server, no parsing, no options) cpu/call %s (%s user, %s"
                                + " kernel), step p99 %s: what this machine allows%s",
                        Report.micros(floor.cpuUsPerCall), Report.micros(floor.userUsPerCall), Report.micros(floor.systemUsPerCall),
                        Report.micros(floor.stepP99us),
                        aj == null ? "" : "; floor / asterisk-java cpu/call " + String.format(java.util.Locale.ROOT, "%.2f",
                                floor.cpuUsPerCall / aj.cpuUsPerCall)));
            }
        }
        StringBuilder sb = new StringBuilder("fastagi-idle:");
        for (String s : SERVERS) {
            if (idle.containsKey(s)) sb.append(String.format(java.util.Locale.ROOT, " %s %.2f%% of a core,", s, idle.get(s)));
        }
        Report.summary(sb.substring(0, sb.length() - 1));
    }

    private static String orNa(double us) {
        return us < 0 ? "n/a" : Report.micros(us);
    }

    private static Run get(Map<String, Map<Integer, Run>> r, String s, int c) {
        Map<Integer, Run> m = r.get(s);
        return m == null ? null : m.get(c);
    }

    /**
     * One server at the given concurrencies, by hand ({@code ./tinyphone bench fastagi-one SERVER [CONCURRENCY ...]}):
     * the same warm-up, windows and per-concurrency line (with user and kernel CPU per call) as in the case, no idle
     * window, no ratios. Extra JVM flags for the server: {@code -Dbench.server.flags="..."}.
     */
    public void runOne(String server, int[] concurrency) throws Exception {
        runServer(server, concurrency, null);
    }

    /** Where each server is measured: the raised pool only past its 500 threads, the floor at its own. */
    private int[] concurrencyFor(String server) {
        if (server.equals(FLOOR)) return floorConcurrency;
        // the raised pool only differs from the default one past its 500 threads
        if (server.equals("asterisk-java-raised")) return java.util.Arrays.stream(CONCURRENCY).filter(c -> c >= 1000).toArray();
        return CONCURRENCY;
    }

    /** Measures {@code server} at each concurrency, then (with {@code idle} given) its CPU while idle. */
    private Map<Integer, Run> runServer(String server, int[] concurrency, Map<String, Double> idle) throws Exception {
        long started = System.nanoTime();
        try {
            return runServerTimed(server, concurrency, idle);
        } finally {
            Report.info(String.format(java.util.Locale.ROOT, "%s: %.1f s", server, (System.nanoTime() - started) / 1e9));
        }
    }

    private Map<Integer, Run> runServerTimed(String server, int[] concurrency, Map<String, Double> idle) throws Exception {
        Map<Integer, Run> out = new LinkedHashMap<>();
        try (Child srv = Child.startJava("fastagi-" + server, SERVER_CORE, serverJvmArgs(), List.of("agi-server", server, "call"),
                Report.targetDir().resolve("bench-logs"))) {
            int port = Integer.parseInt(srv.await("READY", Duration.ofSeconds(60)).substring("READY port=".length()));
            try (Child gen = Child.startJava("fastagi-loadgen-" + server, LOADGEN_CORE, loadgenJvmArgs(),
                    List.of(LOADGEN, Integer.toString(port), "call"), Report.targetDir().resolve("bench-logs"))) {
                gen.await("READY", Duration.ofSeconds(60));
                // warm both JVMs up (JIT) before the first measured run
                gen.send("run 100 " + firstWarmMs + " 500");
                gen.await("RESULT", Duration.ofSeconds(120));
                for (int conc : concurrency) {
                    long m0 = System.nanoTime();
                    Run r = measure(srv, gen, conc);
                    out.put(conc, r);
                    Report.info(String.format(java.util.Locale.ROOT, "%s @%d took %.1f s", server, conc, (System.nanoTime() - m0) / 1e9));
                    Report.info(String.format(java.util.Locale.ROOT,
                            "%s @%d: %s calls/s, cpu/call %s (user %s, kernel %s), step p50 %s p99 %s (first step p50 %s p99 %s),"
                                    + " refused %d, errors %d (server %.0f%% of its core, load generator %.0f%%)",
                            server, conc, Report.rate(r.callsPerSec), Report.micros(r.cpuUsPerCall),
                            Report.micros(r.userUsPerCall), Report.micros(r.systemUsPerCall),
                            Report.micros(r.stepP50us), Report.micros(r.stepP99us), orNa(r.firstStepP50us),
                            orNa(r.firstStepP99us), r.refused, r.errors, r.serverCpuPct, r.loadgenCpuPct));
                    String c = "fastagi-" + conc;
                    Report.put(c, server, "calls_per_s", r.callsPerSec);
                    Report.put(c, server, "cpu_us_per_call", r.cpuUsPerCall);
                    Report.put(c, server, "user_us_per_call", r.userUsPerCall);
                    Report.put(c, server, "system_us_per_call", r.systemUsPerCall);
                    Report.put(c, server, "step_p50_us", r.stepP50us);
                    Report.put(c, server, "step_p99_us", r.stepP99us);
                    Report.put(c, server, "call_p99_us", r.callP99us);
                    Report.put(c, server, "refused", r.refused);
                    Report.put(c, server, "errors", r.errors);
                    Report.put(c, server, "server_cpu_percent", r.serverCpuPct);
                    Report.put(c, server, "loadgen_cpu_percent", r.loadgenCpuPct);
                    if (r.firstStepP99us >= 0) { // NioAgiLoadGen only: environment → first command (includes accepting)
                        Report.put(c, server, "first_step_p50_us", r.firstStepP50us);
                        Report.put(c, server, "first_step_p99_us", r.firstStepP99us);
                    }
                }
            }
            // idle: the server after the load, with nothing connected (not for the floor: it is no server)
            if (idle == null || server.equals(FLOOR)) return out;
            Thread.sleep(settleMs);
            long c0 = Sys.cpuNanos(srv.pid()), t0 = System.nanoTime();
            Thread.sleep(idleMs);
            double pct = 100.0 * (Sys.cpuNanos(srv.pid()) - c0) / (System.nanoTime() - t0);
            idle.put(server, pct);
            Report.put("fastagi-idle", server, "cpu_percent", pct);
            Report.info(String.format(java.util.Locale.ROOT, "%s idle: %.2f%% of a core", server, pct));
        }
        return out;
    }

    private Run measure(Child srv, Child gen, int conc) throws IOException {
        // big bursts of connects take a while to settle (SYN retries past a full accept backlog): warm longer
        // and at 10,000 calls in a closed loop one call lasts several seconds: the window must hold many of them
        long warm = conc >= 10_000 ? (quick ? 3000 : 15_000) : conc >= 1000 ? (quick ? 1500 : 8000) : warmMs;
        long window = conc >= 10_000 ? (quick ? 2000 : 20_000) : conc >= 1000 ? (quick ? 1500 : measureMs) : measureMs;
        gen.send("run " + conc + " " + warm + " " + window + " " + drainMs);
        gen.await("MEASURE_START", Duration.ofSeconds(120));
        long[] split0 = Sys.userSystemNanos(srv.pid()); // {user, kernel}: one read of /proc/<pid>/stat
        long cpu0 = split0[0] + split0[1], g0 = Sys.cpuNanos(gen.pid()), t0 = System.nanoTime();
        gen.await("MEASURE_END", Duration.ofSeconds(120));
        long[] split1 = Sys.userSystemNanos(srv.pid());
        long cpu1 = split1[0] + split1[1], g1 = Sys.cpuNanos(gen.pid()), t1 = System.nanoTime();
        Map<String, Long> r = parse(gen.await("RESULT", Duration.ofSeconds(180)));
        long calls = r.get("calls");
        double secs = r.get("elapsedNs") / 1e9;
        return new Run(conc, calls / secs, calls == 0 ? Double.NaN : (cpu1 - cpu0) / 1000.0 / calls,
                r.get("stepP50us"), r.get("stepP99us"), r.get("callP99us"), r.get("refused"), r.get("errors"), calls,
                100.0 * (cpu1 - cpu0) / (t1 - t0), 100.0 * (g1 - g0) / (t1 - t0),
                r.getOrDefault("firstStepP50us", -1L), r.getOrDefault("firstStepP99us", -1L),
                calls == 0 ? Double.NaN : (split1[0] - split0[0]) / 1000.0 / calls,
                calls == 0 ? Double.NaN : (split1[1] - split0[1]) / 1000.0 / calls);
    }

    public static Map<String, Long> parse(String line) {
        Map<String, Long> m = new HashMap<>();
        for (String w : line.split("\\s+")) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                try {
                    m.put(w.substring(0, eq), Long.parseLong(w.substring(eq + 1)));
                } catch (NumberFormatException ignored) {
                    // not a number
                }
            }
        }
        return m;
    }
}
