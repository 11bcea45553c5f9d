package org.tinyphone.bench.stream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tinyphone.bench.agi.FastAgiCase;
import static org.tinyphone.bench.bridge.BridgeCase.awaitHealth;
import static org.tinyphone.bench.bridge.BridgeCase.freePort;
import org.tinyphone.bench.harness.Child;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.bench.harness.ServerJar;
import org.tinyphone.bench.harness.Sys;

/**
 * streams (Tinyphone only): the real server ({@code server/target/tinyphone-server.jar}, copied aside) pinned to core 1
 * with {@code stream.*} on an echo app; {@link StreamsLoad} on core 0 with N AudioSocket callers at real time and the
 * echo app. Per N: the server's CPU per stream, how far behind real time the streams fall (caller → app), and the round
 * trip caller → app → caller. Goal (issue 13): 1,000 streams, each within a frame (20 ms) of real time; round trip p99
 * under 40 ms above the 20 ms frame.
 */
public final class StreamsCase {
    private final boolean quick;

    public StreamsCase(boolean quick) {
        this.quick = quick;
    }

    public void run() throws Exception {
        if (!ServerJar.built()) {
            Report.summary("streams: not measurable (no server/target/tinyphone-server.jar: run ./tinyphone build first)");
            return;
        }
        String only = System.getProperty("bench.streams", ""); // e.g. 1000: one count only
        List<Integer> counts = !only.isEmpty() ? List.of(Integer.parseInt(only)) : quick ? List.of(100) : List.of(100, 500, 1000);
        for (int n : counts) one(n);
    }

    private void one(int n) throws Exception {
        String classpath = ServerJar.snapshot("streams-server");
        int httpPort = freePort(), audioPort = freePort(), appPort = freePort();
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", "1", Sys.javaBin(), "-XX:+UseSerialGC", "-cp",
                classpath, "org.tinyphone.server.cli.Main", "server", "--set", "http.bind=127.0.0.1", "--set", "http.port=" + httpPort,
                "--set", "fastagi.enabled=false", "--set", "relay.enabled=false", "--set", "clients.enabled=false",
                "--set", "sms.enabled=false", "--set", "audiosocket.port=" + audioPort,
                "--set", "audiosocket.max-connections=" + Math.max(5000, 2 * n),
                "--set", "stream.*=ws://127.0.0.1:" + appPort + "/echo", "--set", "log.level=WARN"));
        // -Dbench.server-jvm="-agentpath:...": options for the server under test, e.g. a profiler (docs/performance.md)
        String serverJvm = System.getProperty("bench.server-jvm", "").trim();
        if (!serverJvm.isEmpty()) cmd.addAll(cmd.indexOf("-XX:+UseSerialGC") + 1, List.of(serverJvm.split("\\s+")));
        if (!Sys.hasTaskset()) cmd.subList(0, 3).clear();
        int warmup = quick ? 3 : 5, seconds = quick ? 10 : 30;
        try (Child server = Child.start("streams-server-" + n, cmd, Report.targetDir().resolve("bench-logs"))) {
            awaitHealth(httpPort);
            try (Child load = Child.startJava("streams-load-" + n, 0, List.of("-XX:+UseSerialGC"), List.of("streams-load",
                    Integer.toString(appPort), Integer.toString(audioPort), Integer.toString(n), Integer.toString(warmup),
                    Integer.toString(seconds)), Report.targetDir().resolve("bench-logs"))) {
                load.await("MEASURE_START", Duration.ofSeconds(180));
                long c0 = Sys.cpuNanos(server.pid()), g0 = Sys.cpuNanos(load.pid()), t0 = System.nanoTime();
                long k0 = Sys.userSystemNanos(server.pid())[1], s0 = Sys.readWriteCalls(server.pid());
                load.await("MEASURE_END", Duration.ofSeconds(seconds + 60));
                long c1 = Sys.cpuNanos(server.pid()), g1 = Sys.cpuNanos(load.pid()), t1 = System.nanoTime();
                long k1 = Sys.userSystemNanos(server.pid())[1], s1 = Sys.readWriteCalls(server.pid());
                Map<String, Long> r = FastAgiCase.parse(load.await("RESULT", Duration.ofSeconds(60)));
                if (r.getOrDefault("failed", 1L) != 0) {
                    Report.summary("streams-" + n + ": failed (" + r + ")");
                    return;
                }
                double wall = (t1 - t0) / 1e9;
                double serverCore = (c1 - c0) / 1e9 / wall, loadCore = (g1 - g0) / 1e9 / wall;
                double cpuPerStream = 100.0 * serverCore / n; // % of one core
                double kernelShare = c1 > c0 ? 100.0 * (k1 - k0) / (c1 - c0) : 0; // of the server's CPU, in the kernel
                double callsPerFrame = (s1 - s0) / wall / (n * 50.0); // read/write system calls per stream and 20 ms
                String c = "streams-" + n;
                Report.put(c, "tinyphone", "server_cpu_percent_per_stream", cpuPerStream);
                Report.put(c, "tinyphone", "server_cpu_percent", 100 * serverCore);
                Report.put(c, "tinyphone", "server_kernel_percent_of_cpu", kernelShare);
                Report.put(c, "tinyphone", "server_read_write_calls_per_stream_frame", callsPerFrame);
                for (String k : List.of("toAppP50us", "toAppP99us", "toAppMaxUs", "within", "worstStreamMaxUs", "rttP50us",
                        "rttP99us", "rttMaxUs", "rttWarmP50us", "rttWarmP99us", "appFrames", "backFrames", "expected", "appWrong", "backWrong", "sendLateP99us")) {
                    Report.put(c, "tinyphone", k, r.get(k));
                }
                Report.summary(String.format(Locale.ROOT,
                        "%s: tinyphone, %,d AudioSocket calls at real time → %,d Twilio streams → an echo app → back: server CPU "
                                + "%.0f%% of its core (%.3f%% per stream; %.0f%% of it in the kernel; %.1f read/write system calls per "
                                + "stream and frame); caller → app p50 %s, p99 %s, max %s; %,d of %,d streams within a "
                                + "frame (≥ 99%% of frames came, ≤ 1%% over 20 ms late; the worst stream's worst frame %s); round trip p50 %s, p99 %s, "
                                + "max %s (the warm-up's last second, before the echo's clear: p50 %s, p99 %s); frames %,d to the app and %,d back of %,d (%,d/%,d lost on the way); load side %.0f%% of "
                                + "its core, its own sends late p99 %s",
                        c, n, n, 100 * serverCore, cpuPerStream, kernelShare, callsPerFrame, Report.micros(r.get("toAppP50us")), Report.micros(r.get("toAppP99us")),
                        Report.micros(r.get("toAppMaxUs")), r.get("within"), n, Report.micros(r.get("worstStreamMaxUs")),
                        Report.micros(r.get("rttP50us")), Report.micros(r.get("rttP99us")), Report.micros(r.get("rttMaxUs")),
                        Report.micros(r.get("rttWarmP50us")), Report.micros(r.get("rttWarmP99us")),
                        r.get("appFrames"), r.get("backFrames"), r.get("expected"), r.get("appWrong"), r.get("backWrong"),
                        100 * loadCore, Report.micros(r.get("sendLateP99us"))));
            }
        }
    }
}
