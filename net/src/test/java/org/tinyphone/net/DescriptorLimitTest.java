package org.tinyphone.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Out of file descriptors and back: a listener in a child JVM limited to 128 descriptors is flooded until accept
 * fails with EMFILE. The loop keeps retrying with pauses (counted, logged a few times, not once per try), and
 * when the flood lets go it accepts and serves again by itself.
 */
class DescriptorLimitTest {
    private static final Pattern STATS = Pattern.compile("STATS accepted=(\\d+) errors=(\\d+) open=(\\d+)");

    @Test
    void aListenerOutOfDescriptorsRetriesQuietlyAndServesAgainWhenTheyFreeUp(@TempDir Path dir) throws Exception {
        Path err = dir.resolve("child.err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder("bash", "-c", "ulimit -n 128 && exec \"$0\" -Xss1m -cp \"$1\" " + EchoChild.class.getName(),
                java, System.getProperty("java.class.path"))
                .redirectError(err.toFile()).start();
        List<Socket> flood = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
             PrintStream in = new PrintStream(child.getOutputStream(), true, StandardCharsets.US_ASCII)) {
            String first = out.readLine();
            assertThat(first).as("child started; stderr: %s", read(err)).startsWith("PORT ");
            int port = Integer.parseInt(first.substring(5));
            assertThat(echo(port, "warm-up")).isEqualTo("warm-up");

            // the flood: far more connections than the child has descriptors; they wait in its backlog
            for (int i = 0; i < 300; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
                flood.add(s);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> stats(in, out).get("errors") >= 10);
            long started = System.nanoTime();
            long errorsBefore = stats(in, out).get("errors");
            // keep it out of descriptors a while longer: the loop must go on retrying, not give up or spin
            await().atMost(Duration.ofSeconds(60)).until(() -> stats(in, out).get("errors") >= errorsBefore + 2);
            long windows = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) / 10 + 2;
            List<String> failedLines = Files.readAllLines(err).stream().filter(l -> l.contains("accept failed")).toList();
            assertThat(failedLines).as("log lines about failed accepts").isNotEmpty()
                    .hasSizeLessThanOrEqualTo((int) (6 * windows));
            assertThat(failedLines.getFirst()).contains("Too many open files");

            for (Socket s : flood) s.close();
            flood.clear();
            await().atMost(Duration.ofSeconds(60)).until(() -> stats(in, out).get("open") == 0);
            assertThat(echo(port, "after the flood")).isEqualTo("after the flood");
            assertThat(Files.readString(err)).contains("echo: accepting again after");
            assertThat(stats(in, out).get("accepted")).isGreaterThanOrEqualTo(300);
        } finally {
            for (Socket s : flood) s.close();
            child.destroy();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String echo(int port, String text) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write((text + "\n").getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    private static Map<String, Long> stats(PrintStream in, BufferedReader out) throws IOException {
        in.println("stats");
        Matcher m = STATS.matcher(out.readLine());
        assertThat(m.matches()).isTrue();
        return Map.of("accepted", Long.parseLong(m.group(1)), "errors", Long.parseLong(m.group(2)),
                "open", Long.parseLong(m.group(3)));
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }
}
