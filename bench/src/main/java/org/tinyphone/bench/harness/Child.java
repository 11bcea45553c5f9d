package org.tinyphone.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark child process (server or load generator), pinned to one core with taskset, talked to by lines:
 * we write commands to its stdin, it answers on stdout. Its stderr goes to a log file under target/.
 */
public final class Child implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private static final String EOF = "\u0000EOF";

    private Child(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name(name + "-stdout").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) lines.add(line);
            } catch (IOException ignored) {
                // process gone
            } finally {
                lines.add(EOF);
            }
        });
    }

    /** Starts {@code java [jvmArgs] -cp <our classpath> org.tinyphone.bench.BenchMain <args>} pinned to {@code core}. */
    public static Child startJava(String name, int core, List<String> jvmArgs, List<String> args, Path logDir) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (core >= 0 && Sys.hasTaskset()) {
            cmd.add("taskset");
            cmd.add("-c");
            cmd.add(Integer.toString(core));
        }
        cmd.add(Sys.javaBin());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.tinyphone.bench.BenchMain");
        cmd.addAll(args);
        return start(name, cmd, logDir);
    }

    public static Child start(String name, List<String> cmd, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".log").toFile()));
        return new Child(name, pb.start());
    }

    public long pid() { return process.pid(); }

    public String name() { return name; }

    public void send(String command) throws IOException {
        stdin.write(command);
        stdin.write('\n');
        stdin.flush();
    }

    /** Waits for the next stdout line starting with {@code prefix} (other lines are skipped). */
    public String await(String prefix, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line;
            try {
                line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for " + prefix + " from " + name);
            }
            if (line == null) throw new IOException(name + ": no '" + prefix + "' line within " + timeout);
            if (line == EOF) {
                lines.add(EOF);
                throw new IOException(name + " exited (code " + exitCode() + ") before printing '" + prefix + "'");
            }
            if (line.startsWith(prefix)) return line;
        }
    }

    private String exitCode() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    public boolean alive() { return process.isAlive(); }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                try {
                    send("exit");
                } catch (IOException ignored) {
                    // already closing
                }
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
