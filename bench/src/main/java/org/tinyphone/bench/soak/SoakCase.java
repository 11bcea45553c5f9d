package org.tinyphone.bench.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.bench.harness.ServerJar;
import org.tinyphone.sim.call.Via;

/**
 * {@code ./tinyphone bench soak [--minutes N]}: the real server as a child process, calls placed continuously over
 * every way in, good apps of every dialect checking every event they get (some commanding calls), a slow and a
 * malicious client mixed in, and the server's RSS, descriptors and threads sampled throughout. Ends with a table and a
 * verdict: every good event delivered exactly once and in order, every command answered as it must be, every attack
 * refused, and RSS, descriptors and threads flat over the second half of the load (JIT warm-up does not count).
 */
public final class SoakCase {
    /** What to run. */
    public record Settings(Duration load, double callsPerSecond, long seed, List<String> sets, List<String> serverJvm,
                           int maxCalls, double longCallShare, Duration slowMaxCycle, Duration settleMax) {
        /** {@code [--minutes N | --seconds N] [--rate CALLS_PER_S] [--seed N] [--set KEY=VALUE]... [--server-opts "..."]} */
        public static Settings parse(List<String> args) {
            Duration load = Duration.ofMinutes(60);
            double rate = 2.0;
            long seed = 11;
            List<String> sets = new ArrayList<>();
            List<String> jvm = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                String v = i + 1 < args.size() ? args.get(i + 1) : null;
                if (v == null) throw new IllegalArgumentException(a + " needs a value");
                switch (a) {
                    case "--minutes" -> load = Duration.ofSeconds(Math.round(Double.parseDouble(v) * 60));
                    case "--seconds" -> load = Duration.ofSeconds(Long.parseLong(v));
                    case "--rate" -> rate = Double.parseDouble(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--set" -> sets.add(v);
                    case "--server-opts" -> jvm.addAll(List.of(v.trim().split("\\s+")));
                    default -> throw new IllegalArgumentException("unknown soak option " + a);
                }
                i++;
            }
            if (load.isNegative() || load.isZero()) throw new IllegalArgumentException("the load must last a while: " + load);
            return new Settings(load, rate, seed, List.copyOf(sets), List.copyOf(jvm), 400, 0.1, Duration.ofMinutes(15),
                    Duration.ofMinutes(2));
        }

        /** The same with only short calls and a short wait for idle afterwards: a check of the harness in seconds. */
        public Settings quickCheck() {
            return new Settings(load, callsPerSecond, seed, sets, serverJvm, maxCalls, 0, slowMaxCycle, Duration.ofSeconds(5));
        }
    }

    /** How it went: the verdict, its reasons, and where the table went. */
    public record Result(boolean pass, List<String> failures, List<String> table, Path tableFile,
                         Map<String, long[]> expectedDeliveredByClient, long callsCompleted, long commandsAnswered,
                         long maliciousRefused, long maliciousUnexpected, long slowCycles, long slowDropped) {}

    private static final String A = CallMix.NUMBERS.get(0), B = CallMix.NUMBERS.get(1), C = CallMix.NUMBERS.get(2);

    private final Settings settings;
    private final Series rss = new Series(), fds = new Series(), threads = new Series(), calls = new Series();

    public SoakCase(Settings settings) {
        this.settings = settings;
    }

    /** Runs against the server built in server/target (copied aside first, so a rebuild cannot change it under us). */
    public Result run() throws Exception {
        String classpath = ServerJar.snapshot("soak-server");
        return run(classpath, Report.targetDir().resolve("bench-logs"), Report.targetDir().resolve("bench-results"), true);
    }

    /**
     * Runs against the server on {@code classpath}; logs to {@code logDir}, the table to {@code resultsDir}, and the
     * numbers to the bench's results TSV too if {@code results}.
     */
    Result run(String classpath, Path logDir, Path resultsDir, boolean results) throws Exception {
        Instant startedAt = Instant.now();
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(startedAt);
        double load1 = loadAverage();
        try (SoakServer server = SoakServer.start(classpath, settings.serverJvm(), settings.sets(), logDir, stamp)) {
            Report.info("server pid " + server.pid() + " (log " + server.log + ")");
            Thread.sleep(2000);
            SoakServer.Sample bare = server.sample();

            Ledger ledger = new Ledger();
            int clientsPort = server.port("clients"), httpPort = server.port("http");
            List<AutoCloseable> apps = new ArrayList<>();
            OriginalClientApp originalA = new OriginalClientApp("legacy-a", clientsPort, A, true, ledger.watcher("legacy-a", "legacy", Set.of(A)));
            OriginalClientApp originalB = new OriginalClientApp("legacy-b", clientsPort, B, false, ledger.watcher("legacy-b", "legacy", Set.of(B)));
            NativeTcpApp tcp = new NativeTcpApp("tcp", clientsPort, ledger, ledger.watcher("tcp", "tcp", Set.of(A, B, C)),
                    List.of(A, B, "+1 (555) 010-0003"), true); // numbers in any form meet their normal form
            WebSocketApp ws = new WebSocketApp("ws", httpPort, ledger, ledger.watcher("ws", "websocket", Set.of(A, B, C)),
                    List.of(A, B, C), true);
            JavaClientApp javaApp = new JavaClientApp("java", clientsPort, List.of(A, B, C), ledger,
                    ledger.watcher("java", "java client", Set.of(A, B, C)));
            WebSocketApp wsAll = new WebSocketApp("ws-all", httpPort, ledger, ledger.watcher("ws-all", "websocket", Set.of("*")),
                    List.of("*", A), false); // "*" and a number: each event once
            originalA.start();
            originalB.start();
            tcp.start();
            ws.start();
            javaApp.start();
            wsAll.start();
            apps.addAll(List.of(originalA, originalB, tcp, ws, javaApp, wsAll));
            Thread.sleep(2000);
            SoakServer.Sample idleBefore = server.sample();
            java.util.SortedMap<String, Integer> namesBefore = server.threadNames();

            MaliciousClient malicious = new MaliciousClient(clientsPort, httpPort, settings.seed());
            malicious.start(CallMix.NUMBERS);
            SlowClient slow = new SlowClient(clientsPort, httpPort, A, () -> overloads(server), settings.slowMaxCycle().toNanos());
            Callers callers = new Callers(new CallMix(settings.seed(), settings.longCallShare()), ledger, server.port("fastagi"), server.port("relay"),
                    server.port("audiosocket"), settings.callsPerSecond(), settings.maxCalls(), settings.seed());

            long t0 = System.nanoTime();
            long loadNanos = settings.load().toNanos();
            long sampleEvery = Math.max(1_000_000_000L, Math.min(5_000_000_000L, loadNanos / 120));
            long progressEvery = loadNanos >= TimeUnit.MINUTES.toNanos(10) ? TimeUnit.MINUTES.toNanos(1) : TimeUnit.SECONDS.toNanos(15);
            Thread maliciousThread = Thread.ofPlatform().name("soak-malicious").daemon().start(malicious);
            Thread slowThread = Thread.ofPlatform().name("soak-slow").daemon().start(slow);
            Thread monitor = Thread.ofPlatform().name("soak-monitor").daemon().start(() -> {
                long nextSample = t0, nextProgress = t0 + progressEvery;
                while (!Thread.currentThread().isInterrupted()) {
                    long now = System.nanoTime();
                    if (now >= nextSample) {
                        sample(server, callers, (now - t0) / 1e9);
                        nextSample += sampleEvery;
                    }
                    ledger.verifyDue(false);
                    if (now >= nextProgress) {
                        nextProgress += progressEvery;
                        progress(server, callers, ledger, slow, malicious, (now - t0) / 1e9);
                    }
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });

            Report.info(String.format(Locale.ROOT, "load: %s at %.1f calls/s (seed %d); good clients: legacy-a, legacy-b, tcp, ws,"
                    + " java, ws-all; a slow and a malicious client", human(settings.load()), settings.callsPerSecond(), settings.seed()));
            callers.run(t0 + loadNanos);
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            Report.info(String.format(Locale.ROOT, "load over after %.0f s: %,d calls placed, %d still up; stopping the slow and"
                    + " malicious clients, letting the calls end", loadSeconds, callers.placed.get(), callers.inProgress()));
            slow.stop();
            malicious.stop();
            slowThread.join(10_000);
            maliciousThread.join(10_000);
            boolean allEnded = callers.awaitAll(TimeUnit.MINUTES.toNanos(3));
            long verifyDeadline = System.nanoTime() + Ledger.GRACE_NANOS + TimeUnit.SECONDS.toNanos(5);
            while (ledger.pendingCalls() > 0 && System.nanoTime() < verifyDeadline) Thread.sleep(200);
            monitor.interrupt();
            monitor.join(5000);
            ledger.verifyDue(true);
            String metricsText = server.metrics();
            // back to idle: the good apps still connected, as before the load; closed connections may take a moment to
            // go (at most settleMax, two minutes by default); thread pools keep idle threads longer (see SoakReport)
            long settleStart = System.nanoTime();
            Thread.sleep(Math.min(10_000, settings.settleMax().toMillis()));
            SoakServer.Sample idleAfter = server.sample();
            while (System.nanoTime() - settleStart < settings.settleMax().toNanos() && idleAfter.fds() > idleBefore.fds() + 2) {
                Thread.sleep(5000);
                idleAfter = server.sample();
            }
            double settleSeconds = (System.nanoTime() - settleStart) / 1e9;
            java.util.SortedMap<String, Integer> namesAfter = server.threadNames();
            for (AutoCloseable app : apps) app.close();
            boolean aliveAtEnd = server.alive();
            List<double[]> heap = server.heapAfterGc();
            int exit = server.stop();
            SoakServer.LogStats logStats = server.logStats();

            SoakReport report = new SoakReport(settings, startedAt, loadSeconds, load1, loadAverage(), server.pid(), bare,
                    idleBefore, idleAfter, settleSeconds, namesBefore, namesAfter, rss, fds, threads, heap, ledger, callers,
                    allEnded, slow, malicious, logStats, metricsText, aliveAtEnd, exit);
            List<String> table = report.lines();
            Files.createDirectories(resultsDir);
            Path tableFile = resultsDir.resolve("soak-" + stamp + ".txt");
            Files.write(tableFile, table, StandardCharsets.UTF_8);
            writeSamples(resultsDir.resolve("soak-" + stamp + "-samples.tsv"), loadSeconds);
            if (results) report.putMetrics();
            return new Result(report.failures().isEmpty(), report.failures(), table, tableFile, report.expectedDelivered(),
                    callers.completed.get(), ledger.commandsAnswered.get(), malicious.refused(), malicious.unexpectedCount(),
                    slow.cycles.get(), slow.dropped.get());
        }
    }

    private void sample(SoakServer server, Callers callers, double t) {
        SoakServer.Sample s = server.sample();
        rss.add(t, s.rssBytes());
        fds.add(t, s.fds());
        threads.add(t, s.threads());
        calls.add(t, callers.inProgress());
    }

    private static double overloads(SoakServer server) {
        String m = server.metrics();
        double v = SoakServer.metric(m, "tinyphone_client_disconnects_total{reason=\"overload\"}");
        return v < 0 ? Double.NaN : v;
    }

    private void progress(SoakServer server, Callers callers, Ledger ledger, SlowClient slow, MaliciousClient malicious, double t) {
        SoakServer.Sample s = server.sample();
        long problems = ledger.callProblems().count() + ledger.watchers().stream().mapToLong(w -> w.problems.count()).sum()
                + malicious.unexpectedCount();
        Report.info(String.format(Locale.ROOT, "[%s] calls %,d placed, %d up, %,d verified | server RSS %s, %d fds, %d threads"
                        + " | slow dropped %d/%d | attacks %,d (refused %,d) | problems %d", clock(t), callers.placed.get(),
                callers.inProgress(), ledger.callsVerified.get(), Report.bytes(s.rssBytes()), s.fds(), s.threads(),
                slow.dropped.get(), slow.cycles.get(), malicious.tried(), malicious.refused(), problems));
    }

    private void writeSamples(Path file, double loadSeconds) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# seconds\trss_bytes\tfds\tthreads\tcalls_up");
        List<double[]> r = rss.between(0, Double.MAX_VALUE), f = fds.between(0, Double.MAX_VALUE),
                th = threads.between(0, Double.MAX_VALUE), c = calls.between(0, Double.MAX_VALUE);
        for (int i = 0; i < Math.min(Math.min(r.size(), f.size()), Math.min(th.size(), c.size())); i++) {
            lines.add(String.format(Locale.ROOT, "%.1f\t%.0f\t%.0f\t%.0f\t%.0f", r.get(i)[0], r.get(i)[1], f.get(i)[1],
                    th.get(i)[1], c.get(i)[1]));
        }
        lines.add(String.format(Locale.ROOT, "# load ended at %.1f s", loadSeconds));
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    static String human(Duration d) {
        return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    /** The 1-minute load average of the machine (it is shared), NaN if unknown. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The ways in, in the order the table lists them. */
    static final List<Via> VIAS = List.of(Via.FASTAGI, Via.RELAY, Via.LEGACY, Via.AUDIOSOCKET);
}
