package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.audio.AudioSocketCaller;

/**
 * By hand: what listening costs the server. The server in a child JVM; N simulated AudioSocket callers sending 20 ms
 * frames at real time (one pacing thread), first for a window with nobody listening, then for one with a native TCP
 * client per call listening in µ-law and reading everything. Prints the server's CPU in both windows (from
 * /proc/PID/stat) and how late the frames reach their listeners (receive time minus the frame's ts); asserts every
 * listener got every frame of its window, in order, none lost.
 *
 * <pre>JAVA_HOME=... mvn -B -ntp -q -pl server -am verify -Dtest=ListenLoadTest -Dsurefire.failIfNoSpecifiedTests=false
 *     -DexcludedGroups=none -Dtinyphone.listen.calls=200</pre>
 */
@Tag("load")
class ListenLoadTest {
    private static final int CALLS = Integer.getInteger("tinyphone.listen.calls", 200);
    private static final int SECONDS = Integer.getInteger("tinyphone.listen.seconds", 10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void listenersGetEveryFrameOfTheirCallsAtRealTime() throws Exception {
        Path dir = Files.createTempDirectory("tinyphone-listen-load-");
        try (ChildServer server = ChildServer.start(dir, 0, dir.resolve("server.log"), "log.level=WARN",
                "audiosocket.max-connections=" + (CALLS + 10), "clients.max-connections=" + (CALLS + 10))) {
            List<AudioSocketCaller> callers = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                callers.add(AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID()));
            }
            AtomicLong sent = new AtomicLong();
            Thread pacer = Thread.ofPlatform().name("callers").start(() -> {
                byte[] frame = new byte[320];
                long next = System.nanoTime();
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        for (int i = 0; i < 320; i += 2) frame[i] = (byte) (sent.get() * 7 + i); // not silence
                        for (AudioSocketCaller c : callers) c.sendFrame(AudioSocketCaller.AUDIO_8K, frame);
                        sent.incrementAndGet();
                        next += 20_000_000L;
                        LockSupport.parkNanos(next - System.nanoTime());
                    }
                } catch (Exception e) {
                    // the callers are closed at the end
                }
            });
            Thread.sleep(3000); // warm up
            long cpu0 = cpuNanos(server.pid()), t0 = System.nanoTime();
            Thread.sleep(SECONDS * 1000L);
            double quiet = (cpuNanos(server.pid()) - cpu0) / 1e9 / ((System.nanoTime() - t0) / 1e9);

            AtomicLongArray late = new AtomicLongArray(10_001); // frames by how many ms late (the last: 10 s or more)
            AtomicInteger lost = new AtomicInteger();
            AtomicInteger gaps = new AtomicInteger();
            AtomicLong frames = new AtomicLong();
            List<Socket> clients = new ArrayList<>();
            AtomicInteger listening = new AtomicInteger();
            for (AudioSocketCaller c : callers) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", server.port("clients")), 10_000);
                clients.add(s);
                OutputStream out = s.getOutputStream();
                out.write(("{\"type\":\"subscribe\",\"number\":\"unknown\",\"id\":\"s\"}\n{\"type\":\"command\",\"id\":\"l\","
                        + "\"call\":\"" + c.uuid() + "\",\"command\":\"listen\",\"format\":\"ulaw\"}\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.ofVirtual().start(() -> read(s, listening, late, lost, gaps, frames));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> listening.get() == CALLS);
            Thread.sleep(2000); // the listens settle
            for (int i = 0; i < late.length(); i++) late.set(i, 0);
            long f0 = frames.get();
            long cpu1 = cpuNanos(server.pid()), t1 = System.nanoTime();
            Thread.sleep(SECONDS * 1000L);
            double wall = (System.nanoTime() - t1) / 1e9;
            double listened = (cpuNanos(server.pid()) - cpu1) / 1e9 / wall;
            long got = frames.get() - f0;
            pacer.interrupt();
            pacer.join();
            System.out.printf(Locale.ROOT, "RESULT listen: %d AudioSocket calls at real time; server CPU %.1f%% of a core "
                            + "without listeners, %.1f%% with one µ-law listener per call (%.3f%% of a core per listener); "
                            + "%,d frames to listeners in %.1f s (%.0f/s; real time: %d/s); frame ts to the client's read "
                            + "p50 %d ms, p99 %d ms, max %d ms; lost %d, gaps %d%n", CALLS, 100 * quiet, 100 * listened,
                    100 * (listened - quiet) / CALLS, got, wall, got / wall, CALLS * 50, percentile(late, 50),
                    percentile(late, 99), percentile(late, 100), lost.get(), gaps.get());
            assertThat(lost.get()).as("a listener that reads loses nothing").isZero();
            assertThat(gaps.get()).isZero();
            for (Socket s : clients) s.close();
            for (AudioSocketCaller c : callers) c.close();
        }
    }

    /** One client: counts its frames, checks they follow each other, notes how late each arrives. */
    private static void read(Socket s, AtomicInteger listening, AtomicLongArray late, AtomicInteger lost,
                             AtomicInteger gaps, AtomicLong frames) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
            long seq = 0;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("{\"v\":1,\"type\":\"audio\"")) {
                    JsonNode m = JSON.readTree(line);
                    late.incrementAndGet((int) Math.min(10_000, Math.max(0, System.currentTimeMillis() - m.path("ts").asLong())));
                    lost.addAndGet(m.path("lost").asInt());
                    if (m.path("seq").asLong() != seq + 1) gaps.incrementAndGet();
                    seq = m.path("seq").asLong();
                    frames.incrementAndGet();
                } else if (line.contains("\"type\":\"result\"")) {
                    listening.incrementAndGet();
                }
            }
        } catch (Exception e) {
            // closed at the end
        }
    }

    /** The ms at or under which {@code p} percent of the frames came. */
    private static long percentile(AtomicLongArray late, double p) {
        long total = 0;
        for (int i = 0; i < late.length(); i++) total += late.get(i);
        long seen = 0;
        for (int i = 0; i < late.length(); i++) {
            seen += late.get(i);
            if (seen > 0 && seen >= Math.ceil(total * p / 100)) return i;
        }
        return -1;
    }

    /** user + system CPU of a process, from /proc/PID/stat (clock ticks of 10 ms). */
    private static long cpuNanos(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }
}
