package org.tinyphone.server.e2e;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@link ServerChild} in a child JVM through bash, so that the child can be given a descriptor limit
 * ({@code ulimit -n}) and its stderr (the log) any file, /dev/full included. The child uses the production logging
 * config (logback.xml: INFO to stderr).
 */
final class ChildServer implements AutoCloseable {
    private final Process process;
    private final Map<String, Integer> ports;
    private final Path log;

    private ChildServer(Process process, Map<String, Integer> ports, Path log) {
        this.process = process;
        this.ports = ports;
        this.log = log;
    }

    /**
     * @param descriptors the child's descriptor limit, or 0 for the inherited one
     * @param log         where its stderr goes (a file to read, or /dev/full)
     */
    static ChildServer start(Path dir, int descriptors, Path log, String... settings) throws Exception {
        Path portsFile = dir.resolve("ports");
        List<String> cmd = new ArrayList<>(List.of("bash", "-c",
                (descriptors > 0 ? "ulimit -n " + descriptors + " && " : "") + "exec \"$@\"", "child",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss1m", "-Xmx256m",
                "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"),
                ServerChild.class.getName(), portsFile.toString()));
        cmd.addAll(List.of(settings));
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portsFile) || !p.isAlive());
            if (!p.isAlive()) throw new IllegalStateException("the server child died: " + tail(log));
        } catch (RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        Map<String, Integer> ports = new HashMap<>();
        for (String line : Files.readAllLines(portsFile, StandardCharsets.US_ASCII)) {
            String[] kv = line.split("=");
            ports.put(kv[0], Integer.parseInt(kv[1]));
        }
        return new ChildServer(p, ports, log);
    }

    int port(String listener) {
        Integer p = ports.get(listener);
        if (p == null || p <= 0) throw new IllegalStateException(listener + " is not running: " + ports);
        return p;
    }

    long pid() { return process.pid(); }

    boolean isAlive() { return process.isAlive(); }

    /** Descriptors the child has open now. */
    int openDescriptors() {
        String[] fds = new File("/proc/" + process.pid() + "/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** The log written so far (empty for /dev/full). */
    String log() throws IOException {
        return Files.isRegularFile(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    static String tail(Path log) {
        try {
            String s = Files.isRegularFile(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close(); // the child closes its server when its stdin ends
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
