package org.tinyphone.bench.ari;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tinyphone.bench.agi.FastAgiCase;
import org.tinyphone.bench.harness.Child;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.bench.harness.ServerJar;
import org.tinyphone.bench.harness.Sys;
import org.tinyphone.bench.soak.SoakServer;

/**
 * ari-bridge (Tinyphone only: ari4java has no bridge): the real server ({@code server/target}, copied aside) with
 * {@code ari.enabled}, connected to the simulated ARI Asterisk of {@link AriBridgeLoad} (pinned to core 0, with the
 * watching app); 1,000 callers enter {@code Stasis(tinyphone)} at once, each presses 1 2 # after 20 s and hangs up.
 * Reports calls/s (callers announced to the app per second, until the last), the server's CPU per call (the whole
 * call: set-up, keys, hangup, audio channel), the time from a caller entering Stasis to the app's new_caller, and
 * every kind of error.
 */
public final class AriBridgeCase {
    /** Calls placed at once ({@code -Dbench.ari.calls=N} to try another number). */
    static final int CALLS = Integer.getInteger("bench.ari.calls", 1000);
    private final boolean quick;

    public AriBridgeCase(boolean quick) {
        this.quick = quick;
    }

    public void run() throws Exception {
        if (!ServerJar.built()) {
            Report.summary("ari-bridge: not measurable (no server/target/tinyphone-server.jar: run ./tinyphone build first)");
            return;
        }
        String classpath = ServerJar.snapshot("ari-bridge-server");
        try (Child load = Child.startJava("ari-bridge-load", 0, List.of("-XX:+UseSerialGC", "-Xmx2g"), List.of("ari-bridge-load"),
                Report.targetDir().resolve("bench-logs"))) {
            String url = AriClientsCase.field(load.await("READY", Duration.ofSeconds(60)), "url");
            // the server on core 1, as in the bridge case (-Dbench.ari.pin=false: on both cores)
            boolean pin = Sys.hasTaskset() && Boolean.parseBoolean(System.getProperty("bench.ari.pin", "true"));
            List<String> jvm = pin ? List.of("-XX:+UseSerialGC", "-XX:ActiveProcessorCount=1") : List.of("-XX:+UseSerialGC");
            try (SoakServer server = SoakServer.start(classpath, jvm, List.of("ari.enabled=true", "ari.url=" + url,
                    "ari.user=" + AriBridgeLoad.USER, "ari.password=" + AriBridgeLoad.PASSWORD, "log.level=WARN"),
                    Report.targetDir().resolve("bench-logs"), "ari-bridge")) {
                if (pin) new ProcessBuilder("taskset", "-a", "-p", "-c", "1", Long.toString(server.pid())).start().waitFor();
                int rounds = quick ? 1 : 3;
                for (int round = 1; round <= rounds; round++) {
                    load.send("run " + CALLS + " " + server.port("clients"));
                    load.await("MEASURE_START", Duration.ofSeconds(120));
                    long c0 = Sys.cpuNanos(server.pid()), t0 = System.nanoTime();
                    load.await("MEASURE_END", Duration.ofSeconds(600));
                    long c1 = Sys.cpuNanos(server.pid()), t1 = System.nanoTime();
                    Map<String, Long> r = FastAgiCase.parse(load.await("RESULT", Duration.ofSeconds(60)));
                    long calls = r.getOrDefault("calls", 0L);
                    if (calls == 0) {
                        Report.summary("ari-bridge: failed (" + r + ")");
                        return;
                    }
                    long serverHeld = callsInStasis(server);
                    r.put("serverCallsInStasis", serverHeld);
                    double cpuMsPerCall = (c1 - c0) / 1e6 / calls, callsPerSec = calls / (r.get("allAnnouncedMs") / 1e3);
                    long errors = r.get("failed") + r.get("endedByServer") + r.get("missingNewCaller") + r.get("lateNewCaller") + r.get("wrongKeys")
                            + r.get("missingHangup") + r.get("duplicateHangups") + r.get("unknownEvents") + r.get("leftInStasis")
                            + Math.max(0, serverHeld);
                    String c = "ari-bridge-" + CALLS;
                    Report.put(c, "tinyphone", "calls_per_s", callsPerSec);
                    Report.put(c, "tinyphone", "all_announced_ms", r.get("allAnnouncedMs"));
                    Report.put(c, "tinyphone", "wall_ms", r.get("wallMs"));
                    Report.put(c, "tinyphone", "server_cpu_ms_per_call", cpuMsPerCall);
                    Report.put(c, "tinyphone", "max_in_stasis", r.get("maxInStasis"));
                    Report.put(c, "tinyphone", "new_caller_p50_us", r.get("newCallerP50us"));
                    Report.put(c, "tinyphone", "new_caller_p99_us", r.get("newCallerP99us"));
                    Report.put(c, "tinyphone", "complete", r.get("complete"));
                    Report.put(c, "tinyphone", "errors", errors);
                    Report.summary(String.format(Locale.ROOT, "ari-bridge (round %d): %,d callers into Stasis at once (at most %,d channels"
                                    + " in Stasis together, audio channels included) through the server to a watching app: %,d complete"
                                    + " (new_caller, 1 2 #, one hangup), %d errors (%s); all announced after %.1f s: %.0f calls/s;"
                                    + " Stasis → new_caller p50 %s, p99 %s; server CPU %.2f ms/call (whole call, %.1f s)",
                            round, calls, r.get("maxInStasis"), r.get("complete"), errors, errorText(r), r.get("allAnnouncedMs") / 1e3,
                            callsPerSec, Report.micros(r.get("newCallerP50us")), Report.micros(r.get("newCallerP99us")), cpuMsPerCall,
                            (t1 - t0) / 1e9));
                }
            }
        }
    }

    /** The server's {@code tinyphone_ari_calls_in_stasis} of its inbound connection, once it is 0 or after 20 s. */
    private static long callsInStasis(SoakServer server) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            long n = -1;
            for (String line : server.metrics().split("\n")) {
                if (line.startsWith("tinyphone_ari_calls_in_stasis") && line.contains("inbound")) {
                    n = Math.round(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                }
            }
            if (n == 0 || System.nanoTime() > deadline) return n;
            Thread.sleep(100);
        }
    }

    private static String errorText(Map<String, Long> r) {
        StringBuilder sb = new StringBuilder();
        for (String k : List.of("failed", "endedByServer", "missingNewCaller", "lateNewCaller", "wrongKeys", "missingHangup",
                "duplicateHangups", "unknownEvents", "leftInStasis", "serverCallsInStasis")) {
            sb.append(sb.isEmpty() ? "" : ", ").append(k).append(' ').append(r.get(k));
        }
        return sb.toString();
    }
}
