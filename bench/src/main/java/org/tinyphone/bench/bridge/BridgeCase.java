package org.tinyphone.bench.bridge;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tinyphone.bench.agi.FastAgiCase;
import org.tinyphone.bench.harness.Child;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.bench.harness.ServerJar;
import org.tinyphone.bench.harness.Sys;

/**
 * bridge (Tinyphone only): the real server ({@code server/target/tinyphone-server.jar}, copied aside so a
 * rebuild cannot change it under us) pinned to core 1; {@link BridgeLoad} on core 0 with 1,000 WebSocket apps
 * subscribed to one number and one FastAGI call pressing keys.
 */
public final class BridgeCase {
    private final boolean quick;

    public BridgeCase(boolean quick) {
        this.quick = quick;
    }

    public void run() throws Exception {
        if (!ServerJar.built()) {
            Report.summary("bridge: not measurable (no server/target/tinyphone-server.jar: run ./tinyphone build first)");
            return;
        }
        String classpath = ServerJar.snapshot("bridge-server");
        int httpPort = freePort(), agiPort = freePort(), audioPort = freePort();
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", "1", Sys.javaBin(), "-XX:+UseSerialGC", "-cp",
                classpath, "org.tinyphone.server.cli.Main",
                "server", "--set", "http.bind=127.0.0.1", "--set", "http.port=" + httpPort, "--set", "fastagi.port=" + agiPort,
                "--set", "relay.enabled=false", "--set", "clients.enabled=false", "--set", "sms.enabled=false", "--set", "audiosocket.port=" + audioPort,
                "--set", "log.level=WARN"));
        if (!Sys.hasTaskset()) cmd.subList(0, 3).clear();
        String only = System.getProperty("bench.bridge", "all"); // keypress | levels | all: one half, when working on it
        if (!only.equals("levels")) {
            keypress(cmd, httpPort, agiPort);
            floor();
        }
        if (only.equals("keypress")) return;
        // the audio-level fan-out on a fresh server
        try (Child server = Child.start("bridge-server-levels", cmd, Report.targetDir().resolve("bench-logs"))) {
            awaitHealth(httpPort);
            levels(server, httpPort, agiPort, audioPort);
        } catch (IOException e) {
            Report.summary("bridge-audio-level: failed: " + e.getMessage());
        }
    }

    private static final int CLIENTS = 1000;

    private int presses() { return quick ? 30 : 200; }

    private int warmup() { return quick ? 30 : 50; }

    private void keypress(List<String> cmd, int httpPort, int agiPort) throws Exception {
        try (Child server = Child.start("bridge-server", cmd, Report.targetDir().resolve("bench-logs"))) {
            awaitHealth(httpPort);
            Keys k = keys(server, "bridge-load", List.of(Integer.toString(httpPort), Integer.toString(agiPort)), "");
            if (k == null) return;
            k.put("bridge-keypress", "tinyphone");
            Report.summary(String.format(Locale.ROOT,
                    "bridge-keypress: tinyphone, 1 key → %,d WebSocket apps, %d keys: %s; asterisk-java has no bridge",
                    CLIENTS, presses(), k.text("server CPU")));
        }
    }

    /** The same apps and keys against {@link FanoutFloor} on the server's core: what the machine allows. */
    private void floor() throws Exception {
        try (Child floor = Child.startJava("bridge-floor", 1, List.of("-XX:+UseSerialGC"), List.of("fanout-floor",
                Integer.toString(CLIENTS)), Report.targetDir().resolve("bench-logs"))) {
            String[] ready = floor.await("READY", Duration.ofSeconds(30)).trim().split("\\s+");
            Keys k = keys(floor, "bridge-floor-load", List.of(ready[1], ready[2]), "floor");
            if (k == null) return;
            k.put("bridge-keypress-floor", "bare-writes");
            Report.summary("bridge-keypress-floor: one bare non-blocking write per app from one thread (no WebSocket"
                    + " library, no JSON), same core, same apps: " + k.text("CPU") + ": what this machine allows");
        }
    }

    /** What BridgeLoad measured against one fan-out process, with that process's CPU per app per key. */
    private record Keys(Map<String, Long> r, double cpuUs) {
        void put(String c, String impl) {
            for (String[] m : new String[][] {{"p50_us", "p50us"}, {"p99_us", "p99us"}, {"max_us", "maxUs"},
                    {"missing", "missing"}, {"first_app_p50_us", "firstP50us"}, {"last_app_p50_us", "lastP50us"}}) {
                Report.put(c, impl, m[0], r.get(m[1]));
            }
            Report.put(c, impl, "cpu_us_per_delivery", cpuUs);
        }

        String text(String cpuName) {
            return String.format(Locale.ROOT, "p50 %s, p99 %s, max %s, missing %d (per key, median: first app %s, last app %s;"
                            + " %s %.1f µs per app per key)", Report.micros(r.get("p50us")), Report.micros(r.get("p99us")),
                    Report.micros(r.get("maxUs")), r.get("missing"), Report.micros(r.get("firstP50us")),
                    Report.micros(r.get("lastP50us")), cpuName, cpuUs);
        }
    }

    /** Runs BridgeLoad on core 0 against {@code target} ({@code ports}: its WebSocket and key ports); null if it failed. */
    private Keys keys(Child target, String name, List<String> ports, String mode) throws Exception {
        List<String> args = new ArrayList<>(List.of("bridge-load"));
        args.addAll(ports);
        args.addAll(List.of(Integer.toString(CLIENTS), Integer.toString(presses()), Integer.toString(warmup())));
        if (!mode.isEmpty()) args.add(mode);
        try (Child load = Child.startJava(name, 0, List.of("-XX:+UseSerialGC"), args, Report.targetDir().resolve("bench-logs"))) {
            load.await("MEASURE_START", Duration.ofSeconds(300));
            long c0 = Sys.cpuNanos(target.pid());
            load.await("MEASURE_END", Duration.ofSeconds(300));
            double cpuUs = (Sys.cpuNanos(target.pid()) - c0) / 1000.0 / ((double) presses() * CLIENTS);
            Map<String, Long> r = FastAgiCase.parse(load.await("RESULT", Duration.ofSeconds(30)));
            if (r.getOrDefault("failed", 1L) != 0) {
                Report.summary(name + ": failed (" + r + ")");
                return null;
            }
            return new Keys(r, cpuUs);
        }
    }

    private void levels(Child server, int httpPort, int agiPort, int audioPort) throws IOException {
        int calls = 1000, apps = 200, seconds = quick ? 5 : 15;
        try (Child load = Child.startJava("bridge-levels-load", 0, List.of("-XX:+UseSerialGC"),
                List.of("levels-load", Integer.toString(httpPort), Integer.toString(agiPort), Integer.toString(audioPort),
                        Integer.toString(calls), Integer.toString(apps), Integer.toString(seconds)),
                Report.targetDir().resolve("bench-logs"))) {
            load.await("MEASURE_START", Duration.ofSeconds(180));
            long c0 = Sys.cpuNanos(server.pid()), g0 = Sys.cpuNanos(load.pid()), t0 = System.nanoTime();
            load.await("MEASURE_END", Duration.ofSeconds(seconds + 60));
            long c1 = Sys.cpuNanos(server.pid()), g1 = Sys.cpuNanos(load.pid()), t1 = System.nanoTime();
            Map<String, Long> r = FastAgiCase.parse(load.await("RESULT", Duration.ofSeconds(30)));
            double cpu = 100.0 * (c1 - c0) / (t1 - t0), gen = 100.0 * (g1 - g0) / (t1 - t0);
            Report.put("bridge-audio-level", "tinyphone", "server_cpu_percent", cpu);
            Report.put("bridge-audio-level", "tinyphone", "levels_per_s_delivered", r.get("levelsPerSec"));
            Report.put("bridge-audio-level", "tinyphone", "frames_per_s_sent", r.get("framesPerSec"));
            Report.summary(String.format(Locale.ROOT,
                    "bridge-audio-level: tinyphone, %,d AudioSocket calls → %d apps (one number each): %,d audio frames/s in"
                            + " (%,d at real time), %,d audio_level/s delivered (%,d expected from the frames sent),"
                            + " server CPU %.0f%% of its core (load side %.0f%%)", calls, apps, r.get("framesPerSec"), calls * 50,
                    r.get("levelsPerSec"), Math.round(r.get("framesPerSec") * 160 / 528.0), cpu, gen));
        }
    }

    /** Waits (60 s at most) until a server answers /health on {@code port}. */
    public static void awaitHealth(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new IOException("the server did not answer /health on " + port + " within 60 s");
    }

    /** A port free now on this machine. */
    public static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
