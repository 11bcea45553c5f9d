package org.tinyphone.bench.harness;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Collects results: every measured value goes to a TSV file (bench/target/bench-results/run-*.tsv:
 * case, implementation, metric, value) for the plot and the docs; summary lines are printed and kept
 * so the run ends with all of them together.
 */
public final class Report {
    private static final List<String> SUMMARY = new ArrayList<>();
    private static Path file;

    private Report() {}

    /** bench/target, found from where our classes were loaded (falls back to the working directory). */
    public static Path targetDir() {
        try {
            Path p = Path.of(Report.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(p) ? p.getParent() : p.getParent();
            if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals("target")) return dir;
        } catch (URISyntaxException | RuntimeException e) {
            // fall through
        }
        return Path.of("bench", "target");
    }

    public static synchronized Path file() {
        if (file == null) {
            String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
            file = targetDir().resolve("bench-results").resolve("run-" + stamp + ".tsv");
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, "# case\timpl\tmetric\tvalue\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return file;
    }

    public static synchronized void put(String caseName, String impl, String metric, double value) {
        try {
            Files.writeString(file(), caseName + "\t" + impl + "\t" + metric + "\t" + String.format(Locale.ROOT, "%.6g", value) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prints a progress/detail line (not part of the summary). */
    public static void info(String line) {
        System.out.println("  " + line);
        System.out.flush();
    }

    /** Prints a summary line now and again at the end. */
    public static synchronized void summary(String line) {
        SUMMARY.add(line);
        System.out.println(line);
        System.out.flush();
    }

    public static synchronized List<String> summaries() {
        return List.copyOf(SUMMARY);
    }

    // ---------------------------------------------------------------- number formatting

    /** 2.1M / 950k / 9,800 style. */
    public static String rate(double v) {
        if (v >= 1_000_000) return String.format(Locale.ROOT, "%.2fM", v / 1_000_000);
        if (v >= 100_000) return String.format(Locale.ROOT, "%.0fk", v / 1_000);
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    public static String ratio(double a, double b) {
        if (b <= 0 || Double.isNaN(a) || Double.isNaN(b)) return "n/a";
        return String.format(Locale.ROOT, "%.1f", a / b);
    }

    public static String micros(double us) {
        if (us >= 10_000) return String.format(Locale.ROOT, "%,.0f ms", us / 1000);
        if (us >= 1000) return String.format(Locale.ROOT, "%.1f ms", us / 1000);
        return String.format(Locale.ROOT, "%.0f µs", us);
    }

    public static String bytes(double b) {
        if (b >= 1024 * 1024) return String.format(Locale.ROOT, "%.1f MB", b / 1024 / 1024);
        if (b >= 1024) return String.format(Locale.ROOT, "%.1f KB", b / 1024);
        return String.format(Locale.ROOT, "%.0f B", b);
    }
}
