package org.tinyphone.bench.relay;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.bench.harness.Sys;

/**
 * relay: time from starting {@code bin/tinyphone-agi} (as Asterisk does for {@code EAGI()}, environment written
 * to its stdin at once) to a listener in our place of the server having the relay's greeting and the whole
 * AGI environment; then the listener ends the call (SERVER_END) and the relay exits. asterisk-java has no
 * process AGI, so this case is Tinyphone's only.
 */
public final class RelayStartCase {
    static final byte[] ENV = ("agi_request: tinyphone-agi\nagi_channel: Local/eagi@agi-test-00000011;2\nagi_language: en\n"
            + "agi_type: Local\nagi_uniqueid: 1795447226.35\nagi_version: 22.10.1\nagi_callerid: 15550001111\n"
            + "agi_calleridname: Carol\nagi_callingpres: 0\nagi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\n"
            + "agi_dnid: 13605162099\nagi_rdnis: unknown\nagi_context: agi-test\nagi_extension: eagi\nagi_priority: 4\n"
            + "agi_enhanced: 1.0\nagi_accountcode: \nagi_threadid: 139868254590656\nagi_arg_1: hello tinyphone\n\n")
            .getBytes(StandardCharsets.US_ASCII);
    static final String MAGIC_LINE = "TINYPHONE-RELAY/1";
    static final int AGI_IN = 0x01, SERVER_END = 0x14;

    private final int runs;

    public RelayStartCase(boolean quick) {
        this.runs = quick ? 20 : 60;
    }

    public void run() throws Exception {
        Path root = Report.targetDir().toAbsolutePath().getParent().getParent();
        Path relay = root.resolve("bin").resolve("tinyphone-agi");
        Path jar = relayJar();
        if (!Files.isExecutable(relay) || jar == null) {
            Report.summary("relay-start: not measurable (" + (jar == null ? "no tinyphone-relay jar in bench/target/lib" : relay + " missing") + ")");
            return;
        }
        Path cache = Files.createTempDirectory("tinyphone-bench-relay-cache");
        BlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
            Thread.ofPlatform().daemon().name("relay-listener").start(() -> serve(ss, arrivals));
            List<String> cmd = List.of(relay.toString());
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("TINYPHONE_RELAY", "127.0.0.1:" + ss.getLocalPort());
            pb.environment().put("TINYPHONE_AUDIO_FD", "none");
            pb.environment().put("TINYPHONE_CACHE_DIR", cache.toString());
            pb.environment().put("TINYPHONE_RELAY_JAR", jar.toString());
            pb.environment().put("TINYPHONE_JAVA", Sys.javaBin());
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            // warm-up: the first calls write the class-data archive / start the AOT training in the background
            for (int i = 0; i < 3; i++) once(pb, arrivals);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline && hasFile(cache, ".lock") && !hasFile(cache, ".aot")) Thread.sleep(250);
            once(pb, arrivals);
            try (Stream<Path> files = Files.list(cache)) {
                Report.info("relay class data in the cache: " + files.map(f -> f.getFileName().toString()).sorted().toList());
            }
            List<Double> start = new ArrayList<>(), life = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                double[] r = once(pb, arrivals);
                start.add(r[0]);
                life.add(r[1]);
            }
            Collections.sort(start);
            Collections.sort(life);
            double med = start.get(start.size() / 2), p90 = start.get((int) Math.ceil(start.size() * 0.9) - 1), min = start.get(0);
            Report.put("relay-start", "tinyphone", "median_ms", med);
            Report.put("relay-start", "tinyphone", "p90_ms", p90);
            Report.put("relay-start", "tinyphone", "min_ms", min);
            Report.put("relay-start", "tinyphone", "lifetime_median_ms", life.get(life.size() / 2));
            Report.summary(String.format(Locale.ROOT,
                    "relay-start: tinyphone bin/tinyphone-agi → call at the server: median %.1f ms, p90 %.1f ms, min %.1f ms"
                            + " (%d runs, load average %.1f); asterisk-java has no process AGI",
                    med, p90, min, runs, loadAverage()));
        } finally {
            try (Stream<Path> s = Files.walk(cache)) {
                s.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** One call: {ms until the server had the call, ms of process lifetime}. */
    private static double[] once(ProcessBuilder pb, BlockingQueue<Long> arrivals) throws Exception {
        arrivals.clear();
        long t0 = System.nanoTime();
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(ENV);
            in.flush();
            Long at = arrivals.poll(20, TimeUnit.SECONDS);
            if (at == null) throw new IOException("the relay never reached the listener");
            p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("the relay did not exit after SERVER_END");
            }
            return new double[] {(at - t0) / 1e6, (System.nanoTime() - t0) / 1e6};
        }
    }

    private static void serve(ServerSocket ss, BlockingQueue<Long> arrivals) {
        while (!ss.isClosed()) {
            try (Socket s = ss.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                StringBuilder greeting = new StringBuilder();
                int c;
                while ((c = in.read()) >= 0 && c != '\n') greeting.append((char) c);
                if (!greeting.toString().equals(MAGIC_LINE)) continue;
                int got = 0;
                while (got < ENV.length) {
                    int type = in.readUnsignedByte();
                    int len = in.readUnsignedShort();
                    in.skipNBytes(len);
                    if (type == AGI_IN) got += len;
                }
                arrivals.add(System.nanoTime());
                OutputStream out = s.getOutputStream();
                out.write(new byte[] {SERVER_END, 0, 0});
                out.flush();
                InputStream drain = s.getInputStream();
                while (drain.read(new byte[512]) >= 0) {
                    // until the relay closes
                }
            } catch (IOException e) {
                // next call
            }
        }
    }

    private static boolean hasFile(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(suffix));
        }
    }

    private static Path relayJar() throws IOException {
        Path lib = Report.targetDir().resolve("lib");
        if (!Files.isDirectory(lib)) return null;
        try (Stream<Path> s = Files.list(lib)) {
            return s.filter(p -> p.getFileName().toString().startsWith("tinyphone-relay")).findFirst().map(Path::toAbsolutePath).orElse(null);
        }
    }

    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
