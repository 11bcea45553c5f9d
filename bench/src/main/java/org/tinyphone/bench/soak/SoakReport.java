package org.tinyphone.bench.soak;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.sim.call.Via;

/** The soak's table and verdict, from what the run gathered. */
final class SoakReport {
    /** RSS may grow by this fraction of its mean over the second half of the load and still count as flat. */
    static final double RSS_FLAT = 0.05;
    /** Descriptors and threads: growth over the second half allowed (absolute, or this fraction of the mean). */
    static final double COUNT_FLAT = 0.05;
    static final int FDS_FLAT_MIN = 4, THREADS_FLAT_MIN = 3;

    private final SoakCase.Settings settings;
    private final Instant startedAt;
    private final double loadSeconds;
    private final double loadAvgStart, loadAvgEnd;
    private final long pid;
    private final SoakServer.Sample bare, idleBefore, idleAfter;
    private final double settleSeconds;
    private final Map<String, Integer> namesBefore, namesAfter;
    private final Series rss, fds, threads;
    private final List<double[]> heap;
    private final Ledger ledger;
    private final Callers callers;
    private final boolean allEnded;
    private final SlowClient slow;
    private final MaliciousClient malicious;
    private final SoakServer.LogStats log;
    private final String metrics;
    private final boolean aliveAtEnd;
    private final int exitCode;
    private final List<String> failures = new ArrayList<>();
    private final List<String> lines = new ArrayList<>();

    SoakReport(SoakCase.Settings settings, Instant startedAt, double loadSeconds, double loadAvgStart, double loadAvgEnd,
               long pid, SoakServer.Sample bare, SoakServer.Sample idleBefore, SoakServer.Sample idleAfter,
               double settleSeconds, Map<String, Integer> namesBefore, Map<String, Integer> namesAfter, Series rss,
               Series fds, Series threads, List<double[]> heap, Ledger ledger, Callers callers, boolean allEnded,
               SlowClient slow, MaliciousClient malicious, SoakServer.LogStats log, String metrics, boolean aliveAtEnd,
               int exitCode) {
        this.settings = settings;
        this.startedAt = startedAt;
        this.loadSeconds = loadSeconds;
        this.loadAvgStart = loadAvgStart;
        this.loadAvgEnd = loadAvgEnd;
        this.pid = pid;
        this.bare = bare;
        this.idleBefore = idleBefore;
        this.idleAfter = idleAfter;
        this.settleSeconds = settleSeconds;
        this.namesBefore = namesBefore;
        this.namesAfter = namesAfter;
        this.rss = rss;
        this.fds = fds;
        this.threads = threads;
        this.heap = heap;
        this.ledger = ledger;
        this.callers = callers;
        this.allEnded = allEnded;
        this.slow = slow;
        this.malicious = malicious;
        this.log = log;
        this.metrics = metrics;
        this.aliveAtEnd = aliveAtEnd;
        this.exitCode = exitCode;
        build();
    }

    List<String> lines() { return List.copyOf(lines); }

    List<String> failures() { return List.copyOf(failures); }

    /** Per good client: {events expected, events delivered}. */
    Map<String, long[]> expectedDelivered() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (Watcher w : ledger.watchers()) m.put(w.name, new long[] {w.expected.get(), w.delivered.get()});
        return m;
    }

    private void out(String s) { lines.add(s); }

    private void out(String fmt, Object... args) { lines.add(String.format(Locale.ROOT, fmt, args)); }

    private void build() {
        double half = loadSeconds / 2;
        out("Soak %s: %s of load at %.1f calls/s (seed %d), then the calls left to end",
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(startedAt),
                SoakCase.clock(loadSeconds) + " min", settings.callsPerSecond(), settings.seed());
        out("Machine: %d cores, shared with other builds: load average %.1f at the start, %.1f at the end; JDK %s",
                Runtime.getRuntime().availableProcessors(), loadAvgStart, loadAvgEnd, System.getProperty("java.version"));
        out("Server: pid %d, ./tinyphone server's main class from server/target%s%s; exit code after SIGTERM %d (143: ended by it)",
                pid, settings.serverJvm().isEmpty() ? "" : ", JVM " + String.join(" ", settings.serverJvm()),
                settings.sets().isEmpty() ? "" : ", --set " + String.join(" --set ", settings.sets()), exitCode);
        if (!aliveAtEnd) failures.add("the server died during the run");
        out("");

        out("Server process (sampled every few seconds; slope: least squares over the second half of the load, %s-%s)",
                SoakCase.clock(half), SoakCase.clock(loadSeconds));
        out("| | bare | idle, apps connected | load start | load end | max | slope per hour (2nd half) | idle after |");
        out("|---|---|---|---|---|---|---|---|");
        double rssMean = rss.mean(half, loadSeconds), rssSlope = rss.slopePerHour(half, loadSeconds);
        out("| RSS | %s | %s | %s | %s | %s | %s | %s |", mb(bare.rssBytes()), mb(idleBefore.rssBytes()),
                mb(rss.first(0, loadSeconds)), mb(rss.last(0, loadSeconds)), mb(rss.max(0, loadSeconds)),
                signedMb(rssSlope), mb(idleAfter.rssBytes()));
        double fdSlope = fds.slopePerHour(half, loadSeconds), thSlope = threads.slopePerHour(half, loadSeconds);
        out("| descriptors | %d | %d | %.0f | %.0f | %.0f | %+.1f | %d |", bare.fds(), idleBefore.fds(), fds.first(0, loadSeconds),
                fds.last(0, loadSeconds), fds.max(0, loadSeconds), fdSlope, idleAfter.fds());
        out("| threads | %d | %d | %.0f | %.0f | %.0f | %+.1f | %d |", bare.threads(), idleBefore.threads(),
                threads.first(0, loadSeconds), threads.last(0, loadSeconds), threads.max(0, loadSeconds), thSlope,
                idleAfter.threads());
        heapRow(half);
        double halfHours = half / 3600;
        double callsPerHour = callers.completed.get() / Math.max(loadSeconds / 3600, 1e-9);
        flat("RSS", rssSlope * halfHours, Math.max(RSS_FLAT * rssMean, 0), mb(rssSlope * halfHours));
        flat("descriptors", fdSlope * halfHours, Math.max(FDS_FLAT_MIN, COUNT_FLAT * fds.mean(half, loadSeconds)),
                String.format(Locale.ROOT, "%+.1f", fdSlope * halfHours));
        flat("threads", thSlope * halfHours, Math.max(THREADS_FLAT_MIN, COUNT_FLAT * threads.mean(half, loadSeconds)),
                String.format(Locale.ROOT, "%+.1f", thSlope * halfHours));
        out("Idle after: %.0f s after the last call ended%s.", settleSeconds, threadChanges());
        if (idleAfter.fds() > idleBefore.fds() + 2) {
            failures.add("descriptors idle after the load " + idleAfter.fds() + " > idle before " + idleBefore.fds() + " (+2 allowed)");
        }
        // threads idle after are told, not judged: pools keep idle threads a while (Jetty's HTTP pool, at most 32, lets
        // one go per minute); a leak shows as growth under the steady load of the second half
        if (rssSlope > 0 && callsPerHour > 0) {
            out("(RSS slope per call: %s)", Report.bytes(rssSlope / callsPerHour));
        }
        out("Flat means: growth over the second half (slope × its length) within %.0f%% of the mean for RSS, within"
                + " max(%d, %.0f%%) descriptors and max(%d, %.0f%%) threads; and descriptors idle after ≤ idle before + 2.",
                RSS_FLAT * 100, FDS_FLAT_MIN, COUNT_FLAT * 100, THREADS_FLAT_MIN, COUNT_FLAT * 100);
        out("");

        callsSection();
        clientsSection();
        commandsSection();
        slowSection();
        maliciousSection();
        logSection();
        problemsSection();
        out("");
        out(failures.isEmpty() ? "verdict: PASS" : "verdict: FAIL: " + String.join("; ", failures));
    }

    /** Which threads (by name) differ between idle before and idle after. */
    private String threadChanges() {
        StringBuilder b = new StringBuilder();
        java.util.TreeSet<String> names = new java.util.TreeSet<>(namesBefore.keySet());
        names.addAll(namesAfter.keySet());
        for (String n : names) {
            int d = namesAfter.getOrDefault(n, 0) - namesBefore.getOrDefault(n, 0);
            if (d != 0) b.append(b.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%+d '%s'", d, n));
        }
        return b.isEmpty() ? "; the same threads as before the load" : "; threads then vs before the load: " + b;
    }

    private void heapRow(double half) {
        if (heap.isEmpty()) return;
        // GC log times are the server's uptime: the load started a few seconds after it
        double first = heap.get(0)[1], last = heap.get(heap.size() - 1)[1];
        double max = heap.stream().mapToDouble(p -> p[1]).max().orElse(Double.NaN);
        out("| heap after GC | | | %.1f MB | %.1f MB | %.1f MB | | (%d GCs) |", first, last, max, heap.size());
        // after a young GC the heap still holds old garbage until the next mixed collection: those are its floor
        List<double[]> floors = new ArrayList<>(); // the last of each run of such pauses (a marking cycle's end)
        for (double[] p : heap) {
            if (p[2] != 1) continue;
            if (!floors.isEmpty() && p[0] - floors.get(floors.size() - 1)[0] < 120) floors.set(floors.size() - 1, p);
            else floors.add(p);
        }
        if (!floors.isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (double[] p : floors) {
                b.append(b.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.0f MB at %s", p[1], SoakCase.clock(p[0])));
            }
            out("Heap after the old generation was collected too (the last mixed/full pause of each cycle; server uptime): %s", b);
        }
    }

    private void flat(String what, double growth, double allowed, String shown) {
        if (Double.isNaN(growth)) return;
        if (growth > allowed) {
            failures.add(String.format(Locale.ROOT, "%s not flat: grew %s over the second half of the load (allowed %.1f)",
                    what, shown, what.equals("RSS") ? allowed / 1024 / 1024 : allowed));
        }
    }

    private void callsSection() {
        StringBuilder via = new StringBuilder();
        for (Via v : SoakCase.VIAS) {
            AtomicLong n = callers.byVia.get(v);
            via.append(via.isEmpty() ? "" : ", ").append(v.name().toLowerCase(Locale.ROOT)).append(' ')
                    .append(String.format(Locale.ROOT, "%,d", n == null ? 0 : n.get()));
        }
        out("Calls: placed %,d (%s; %,d long), completed %,d, failed %,d, skipped %,d (over %d up at once); hung up by an"
                        + " app %,d; keys pressed %,d; audio frames sent %,d; verified %,d",
                callers.placed.get(), via, callers.longCalls.get(), callers.completed.get(), callers.failed.get(),
                callers.skipped.get(), settings.maxCalls(), callers.endedByServer.get(), callers.keys.get(),
                callers.audioFrames.get(), ledger.callsVerified.get());
        if (callers.failed.get() > 0) failures.add(callers.failed.get() + " calls could not be placed");
        if (callers.skipped.get() > 0) failures.add(callers.skipped.get() + " call arrivals skipped (too many calls up)");
        if (!allEnded) failures.add("calls still up 3 minutes after the load ended");
        if (callers.completed.get() == 0) failures.add("no call completed");
        out("");
    }

    private void clientsSection() {
        out("Good clients (each checks every event: per call new_caller first, exactly the keys pressed in order, one hangup last)");
        out("| client | dialect | watches | calls | events expected | delivered | lost | extra | audio levels | problems |");
        out("|---|---|---|---|---|---|---|---|---|---|");
        for (Watcher w : ledger.watchers()) {
            out("| %s | %s | %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d |", w.name, w.dialect, w.watching(), w.calls.get(),
                    w.expected.get(), w.delivered.get(), w.lost.get(), w.extra.get(), w.levels.get(), w.problems.count());
            if (w.expected.get() != w.delivered.get() || w.lost.get() > 0 || w.extra.get() > 0) {
                failures.add(w.name + ": " + w.delivered.get() + " of " + w.expected.get() + " events delivered (lost "
                        + w.lost.get() + ", extra " + w.extra.get() + ")");
            }
            if (w.problems.count() > 0) failures.add(w.name + ": " + w.problems.count() + " problems");
            if (w.expected.get() == 0) failures.add(w.name + ": no events expected (nothing checked)");
        }
        out("");
    }

    private void commandsSection() {
        StringBuilder kinds = new StringBuilder();
        ledger.answeredByAction.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                kinds.append(kinds.isEmpty() ? "" : ", ").append(e.getKey().wire()).append(' ').append(e.getValue().get()));
        out("Talk-back (good clients): sent %,d, answered %,d (%s): ok %,d, refused as they must be (call without a command"
                        + " channel) %,d, failed because the caller had left %,d; Asterisk command lines checked against the"
                        + " allow-list %,d", ledger.commandsSent(), ledger.commandsAnswered.get(), kinds,
                ledger.commandsOk.get(), ledger.commandsFailedAsPlanned.get(), ledger.commandsCallEnded.get(),
                ledger.asteriskLinesChecked.get());
        if (ledger.commandsSent() != ledger.commandsAnswered.get()) {
            failures.add((ledger.commandsSent() - ledger.commandsAnswered.get()) + " talk-back commands never answered");
        }
        out("");
    }

    private void slowSection() {
        out("Slow client: %d cycles (tcp, websocket, original dialect in turn; stalled or reading 256 B/s), dropped by the"
                        + " server %d (mean %.0f s after subscribing; told why in-band %d), not dropped within %d min %d, failed"
                        + " to connect %d; server log \"too slow\" lines %d, overload disconnects counted %s",
                slow.cycles.get(), slow.dropped.get(), slow.meanSecondsToDrop(), slow.reasonInBand.get(),
                settings.slowMaxCycle().toMinutes(), slow.notDropped.get(), slow.failures.get(), log.tooSlow(),
                count(SoakServer.metric(metrics, "tinyphone_client_disconnects_total{reason=\"overload\"}")));
        for (String l : slow.log()) out("    " + l);
        if (slow.notDropped.get() > 0) failures.add("the slow client was not dropped in " + slow.notDropped.get() + " cycles");
        if (slow.failures.get() > 0) failures.add("the slow client failed to connect/subscribe " + slow.failures.get() + " times");
        if (loadSeconds >= 600 && slow.dropped.get() == 0) failures.add("the slow client was never dropped");
        out("");
    }

    private void maliciousSection() {
        out("Malicious client: %,d attempts, refused as they must be %,d, unexpected %,d, call already gone %,d, unanswered"
                        + " when it stopped %d; %,d connections; half-open connections %d (closed by the server %d, by us after 90 s or at the end %d)",
                malicious.tried(), malicious.refused(), malicious.unexpectedCount(),
                malicious.tallies().values().stream().mapToLong(t -> t.neutral.get()).sum(), malicious.unanswered(),
                malicious.connections.get(), malicious.halfOpened.get(), malicious.halfClosedByServer.get(),
                malicious.halfClosedByUs.get());
        out("Half-open, by kind: %s", malicious.halfOpenSummary());
        out("| attack | tried | refused | unexpected |");
        out("|---|---|---|---|");
        malicious.tallies().forEach((k, t) -> {
            if (t.tried.get() > 0) out("| %s | %,d | %,d | %,d |", k, t.tried.get(), t.refused.get(), t.unexpected.get());
        });
        if (malicious.unexpectedCount() > 0) {
            failures.add(malicious.unexpectedCount() + " malicious attempts not answered as they must be");
        }
        for (String u : malicious.unexpected().first()) out("    unexpected: " + u);
        out("");
    }

    private void logSection() {
        double hours = Math.max(loadSeconds / 3600, 1e-9);
        out("Server log: %s, %,d lines (%,d WARN, %,d ERROR), %s per hour of load; GC log apart",
                Report.bytes(log.bytes()), log.lines(), log.warns(), log.errors(), Report.bytes(log.bytes() / hours));
        for (String w : log.firstWarnings()) out("    " + w);
        if (log.errors() > 0) failures.add("the server logged " + log.errors() + " ERROR lines");
        out("Server metrics at the end: calls %s, events new_caller %s keypress %s audio_level %s hangup %s; client refusals %s,"
                        + " audio levels coalesced %s dropped %s",
                count(SoakServer.metric(metrics, "tinyphone_calls_total")),
                count(SoakServer.metric(metrics, "tinyphone_events_total{type=\"new_caller\"}")),
                count(SoakServer.metric(metrics, "tinyphone_events_total{type=\"keypress\"}")),
                count(SoakServer.metric(metrics, "tinyphone_events_total{type=\"audio_level\"}")),
                count(SoakServer.metric(metrics, "tinyphone_events_total{type=\"hangup\"}")),
                count(SoakServer.metric(metrics, "tinyphone_client_refusals_total")),
                count(SoakServer.metric(metrics, "tinyphone_client_audio_levels_coalesced_total")),
                count(SoakServer.metric(metrics, "tinyphone_client_audio_levels_dropped_total")));
    }

    private void problemsSection() {
        List<String> all = new ArrayList<>();
        for (String p : ledger.callProblems().first()) all.add(p);
        for (Watcher w : ledger.watchers()) for (String p : w.problems.first()) all.add(w.name + ": " + p);
        long total = ledger.callProblems().count();
        if (total > 0) failures.add(total + " problems with calls (commands, Asterisk lines, placement)");
        if (all.isEmpty()) return;
        out("");
        out("Problems (first ones):");
        for (String p : all) out("    " + p);
    }

    /** The run's numbers for the results TSV (case "soak"). */
    void putMetrics() {
        double half = loadSeconds / 2;
        Report.put("soak", "tinyphone", "load_seconds", loadSeconds);
        Report.put("soak", "tinyphone", "rss_start_bytes", rss.first(0, loadSeconds));
        Report.put("soak", "tinyphone", "rss_end_bytes", rss.last(0, loadSeconds));
        Report.put("soak", "tinyphone", "rss_max_bytes", rss.max(0, loadSeconds));
        Report.put("soak", "tinyphone", "rss_slope_bytes_per_hour", rss.slopePerHour(half, loadSeconds));
        Report.put("soak", "tinyphone", "fds_start", fds.first(0, loadSeconds));
        Report.put("soak", "tinyphone", "fds_end", fds.last(0, loadSeconds));
        Report.put("soak", "tinyphone", "fds_max", fds.max(0, loadSeconds));
        Report.put("soak", "tinyphone", "fds_slope_per_hour", fds.slopePerHour(half, loadSeconds));
        Report.put("soak", "tinyphone", "threads_start", threads.first(0, loadSeconds));
        Report.put("soak", "tinyphone", "threads_end", threads.last(0, loadSeconds));
        Report.put("soak", "tinyphone", "threads_max", threads.max(0, loadSeconds));
        Report.put("soak", "tinyphone", "threads_slope_per_hour", threads.slopePerHour(half, loadSeconds));
        Report.put("soak", "tinyphone", "calls_placed", callers.placed.get());
        Report.put("soak", "tinyphone", "calls_completed", callers.completed.get());
        Report.put("soak", "tinyphone", "calls_failed", callers.failed.get());
        for (Watcher w : ledger.watchers()) {
            Report.put("soak", w.name, "events_expected", w.expected.get());
            Report.put("soak", w.name, "events_delivered", w.delivered.get());
            Report.put("soak", w.name, "problems", w.problems.count());
        }
        Report.put("soak", "tinyphone", "commands_sent", ledger.commandsSent());
        Report.put("soak", "tinyphone", "commands_answered", ledger.commandsAnswered.get());
        Report.put("soak", "tinyphone", "slow_cycles", slow.cycles.get());
        Report.put("soak", "tinyphone", "slow_dropped", slow.dropped.get());
        Report.put("soak", "tinyphone", "malicious_tried", malicious.tried());
        Report.put("soak", "tinyphone", "malicious_refused", malicious.refused());
        Report.put("soak", "tinyphone", "malicious_unexpected", malicious.unexpectedCount());
        Report.put("soak", "tinyphone", "log_bytes", log.bytes());
        Report.put("soak", "tinyphone", "pass", failures.isEmpty() ? 1 : 0);
    }

    private static String mb(double bytes) {
        return Double.isNaN(bytes) || bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MB", bytes / 1024 / 1024);
    }

    private static String signedMb(double bytes) {
        return Double.isNaN(bytes) ? "n/a" : String.format(Locale.ROOT, "%+.1f MB", bytes / 1024 / 1024);
    }

    private static String count(double v) {
        return v < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
    }
}
