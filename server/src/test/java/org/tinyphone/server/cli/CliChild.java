package org.tinyphone.server.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./tinyphone ARGS} as a process of its own: the command line's {@link Main} in a child JVM with the
 * production logging (logback.xml), an environment of the test's choosing (every inherited {@code TINYPHONE_*}
 * variable removed, so a developer's own settings cannot change a test) and its stdout and stderr in files. For
 * what only a process shows: its exit status, the environment it reads, the signals it gets.
 */
final class CliChild implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;

    private CliChild(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code Main args} with these environment variables added. */
    static CliChild start(Path dir, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss1m", "-Xmx256m", "-Dlogback.configurationFile=logback.xml",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "cli-", ".out");
        Path err = Files.createTempFile(dir, "cli-", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TINYPHONE_"));
        pb.environment().putAll(env);
        return new CliChild(pb.start(), out, err);
    }

    /** Runs {@code Main args} to its end (at most a minute) and returns its exit status. */
    static CliChild run(Path dir, Map<String, String> env, String... args) throws Exception {
        CliChild c = start(dir, env, args);
        c.exitCode(Duration.ofSeconds(60));
        return c;
    }

    /** Waits (at most a minute) until its stdout contains {@code text}. */
    CliChild awaitOut(String text) {
        await().atMost(Duration.ofSeconds(60)).until(() -> out().contains(text) || !process.isAlive());
        if (!out().contains(text)) throw new AssertionError("it ended without printing '" + text + "': " + this);
        return this;
    }

    /** Sends a signal by name (INT, TERM) with kill(1). */
    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) throw new IllegalStateException("kill -" + name + " failed");
    }

    /** Its exit status, once it ended (at most {@code wait}). */
    int exitCode(Duration wait) throws InterruptedException {
        if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after " + wait + ": " + this);
        }
        return process.exitValue();
    }

    int exitCode() throws InterruptedException {
        return exitCode(Duration.ofSeconds(60));
    }

    String out() {
        return read(out);
    }

    String err() {
        return read(err);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public String toString() {
        return "stdout:\n" + out() + "\nstderr:\n" + err();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
