package org.tinyphone.bench.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.tinyphone.bench.harness.Sys;
import org.tinyphone.server.config.TinyphoneConfig;

/**
 * The server under test: {@code ./tinyphone server}'s main class from a copy of server/target, as a child process,
 * every listener on a free port of its own (it prints which), no {@code TINYPHONE_*} variables from our
 * environment, its output (log included) to a file and its GC log to another. What it is made of is read from
 * {@code /proc}, what it counted from {@code /metrics}.
 */
public final class SoakServer implements AutoCloseable {
    private static final Pattern PORT_LINE = Pattern.compile("^  (\\w+)\\s+(\\d+)\\s*$");
    private static final Pattern GC_LINE = Pattern.compile("\\[([0-9.]+)s].*\\bPause\\b.* (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    private final Process process;
    final Path log;
    final Path gcLog;
    private final Map<String, Integer> ports;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SoakServer(Process process, Path log, Path gcLog, Map<String, Integer> ports) {
        this.process = process;
        this.log = log;
        this.gcLog = gcLog;
        this.ports = ports;
    }

    /**
     * Starts {@code java [jvmOptions] -Xlog:gc… -cp <classpath> org.tinyphone.server.cli.Main server --set …} and
     * waits (at most 60 s) until it has printed its ports.
     */
    public static SoakServer start(String classpath, List<String> jvmOptions, List<String> sets, Path logDir, String stamp)
            throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve("soak-server-" + stamp + ".log");
        Path gcLog = logDir.resolve("soak-server-gc-" + stamp + ".log");
        List<String> cmd = new ArrayList<>(List.of(Sys.javaBin()));
        cmd.addAll(jvmOptions);
        cmd.add("-Xlog:gc:file=" + gcLog + ":uptime");
        cmd.addAll(List.of("-cp", classpath, "org.tinyphone.server.cli.Main", "server"));
        for (TinyphoneConfig.Key k : TinyphoneConfig.KEYS) { // every listener on a free port (AMI's is the server's peer)
            if (k.name().endsWith(".port") && !k.name().equals("ami.port")) cmd.addAll(List.of("--set", k.name() + "=0"));
        }
        for (String s : sets) cmd.addAll(List.of("--set", s));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TINYPHONE_"));
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Map<String, Integer> ports = new HashMap<>();
            boolean banner = false;
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = PORT_LINE.matcher(line);
                if (m.matches()) ports.put(m.group(1), Integer.parseInt(m.group(2)));
                if (line.startsWith("Ctrl-C stops it")) banner = true; // the banner's last line: all ports are out
            }
            if (banner) {
                for (String needed : List.of("http", "clients", "fastagi", "relay", "audiosocket", "sms")) {
                    if (!ports.containsKey(needed)) throw new IOException("the server listens on no " + needed + " port; see " + log);
                }
                return new SoakServer(p, log, gcLog, ports);
            }
            if (!p.isAlive()) {
                throw new IOException("the server exited (code " + p.exitValue() + ") before printing its ports; see " + log);
            }
            Thread.sleep(200);
        }
        p.destroyForcibly();
        throw new IOException("the server did not print its ports within 60 s; see " + log);
    }

    public long pid() { return process.pid(); }

    boolean alive() { return process.isAlive(); }

    public int port(String listener) { return ports.get(listener); }

    /** What the server is made of right now. */
    record Sample(long atNanos, long rssBytes, long fds, long threads) {}

    Sample sample() {
        return new Sample(System.nanoTime(), Sys.rssBytes(pid()), Sys.openFiles(pid()), Sys.threads(pid()));
    }

    /** The server's threads by name (digits folded), to tell which kind came or went. */
    java.util.SortedMap<String, Integer> threadNames() {
        return Sys.threadNames(pid());
    }

    /** The server's Prometheus text ({@code ""} if it did not answer). */
    public String metrics() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("http") + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** One value from the metrics text: the line that starts with {@code series} (name and labels); -1 if none. */
    public static double metric(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                try {
                    return Double.parseDouble(line.substring(series.length() + 1).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /**
     * The heap in use after each GC pause so far: {uptime seconds, MB, 1 if the pause collected the old generation
     * too (G1's mixed or full collections: the heap's floor, what is really still referenced) else 0}.
     */
    List<double[]> heapAfterGc() {
        List<double[]> out = new ArrayList<>();
        if (!Files.isRegularFile(gcLog)) return out;
        try (Stream<String> lines = Files.lines(gcLog)) {
            lines.forEach(l -> {
                Matcher m = GC_LINE.matcher(l);
                if (m.find()) {
                    boolean old = l.contains("(Mixed)") || l.contains("Pause Full");
                    out.add(new double[] {Double.parseDouble(m.group(1)), mb(m.group(4), m.group(5)), old ? 1 : 0});
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // being written: what was read will do
        }
        return out;
    }

    private static double mb(String n, String unit) {
        double v = Double.parseDouble(n);
        return switch (unit) {
            case "K" -> v / 1024;
            case "G" -> v * 1024;
            default -> v;
        };
    }

    /** What the server's log holds: size, lines, WARN and ERROR lines, and the first few of those. */
    record LogStats(long bytes, long lines, long warns, long errors, long tooSlow, List<String> firstWarnings) {}

    LogStats logStats() throws IOException {
        long lines = 0, warns = 0, errors = 0, tooSlow = 0;
        List<String> first = new ArrayList<>();
        // (an InputStreamReader replaces bytes that are not UTF-8 instead of failing on them)
        try (BufferedReader r = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(log), StandardCharsets.UTF_8))) {
            String l;
            while ((l = r.readLine()) != null) {
                lines++;
                boolean warn = l.contains(" WARN "), error = l.contains(" ERROR ");
                if (warn) warns++;
                if (error) errors++;
                if (l.contains("disconnected: too slow")) tooSlow++;
                if ((error || warn && !l.contains("disconnected: too slow")) && first.size() < 12) first.add(Problems.printable(l));
            }
        }
        return new LogStats(Files.size(log), lines, warns, errors, tooSlow, first);
    }

    /** Stops the server as a service manager would (SIGTERM), forcibly after 20 s; returns its exit code. */
    int stop() throws InterruptedException {
        if (!process.isAlive()) return process.exitValue();
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return -9;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        http.close();
    }
}
