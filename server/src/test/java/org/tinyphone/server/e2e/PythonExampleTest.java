package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/** examples/python/tinyphone_client.py (standard library only) against the real server. */
class PythonExampleTest {
    private static final Path SCRIPT = Path.of("..", "examples", "python", "tinyphone_client.py");

    @Test
    void thePythonExampleSeesTheCallAndTalksBack() throws Exception {
        Assumptions.assumeTrue(python().isPresent(), "python3 is not installed: Python example test skipped");
        assertThat(SCRIPT).exists();
        try (RunningServer server = RunningServer.start()) {
            Path out = Files.createTempFile("tinyphone-python-", ".out");
            Process p = new ProcessBuilder(python().get(), SCRIPT.toString(), "--port",
                    String.valueOf(server.port("clients")), "--talk-back", "--calls", "1", "15554000001")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!Files.readString(out).contains("watching 15554000001") && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(new org.tinyphone.server.sim.SimulatedSms("+15554000001", "+15550002222", "hi: 50% off, {ok}")
                        .post("http://127.0.0.1:" + server.port("sms") + "/incoming", null).status()).isEqualTo(200);
                Simulator.place(SimulatedCall.of("15554000001", "15550001111", "Carol", "5#")
                        .withTiming(Duration.ofMillis(300), Duration.ofMillis(1500), Duration.ofSeconds(2))
                        .withAudio(AudioSource.tone()), Via.RELAY, "127.0.0.1", server.port("relay"));
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the script exits after one call").isTrue();
                String printed = Files.readString(out, StandardCharsets.UTF_8);
                assertThat(printed).contains("watching 15554000001: 0 call(s) in progress")
                        .containsPattern("new caller 15550001111 \\(Carol\\) -> 15554000001 via relay")
                        .containsPattern("\\d+\\.\\d+ text from 15550002222 -> 15554000001: hi: 50% off, \\{ok\\}")
                        .contains("keypress 5").contains("said 5 back: ok").contains("keypress #")
                        .contains("hangup (caller)")
                        .contains("connected to 127.0.0.1:" + server.port("clients"))
                        .contains("disconnected: closed by this client").doesNotContain("closed by the server");
                assertThat(p.exitValue()).isZero();
            } finally {
                p.destroyForcibly();
                Files.deleteIfExists(out);
            }
        }
    }

    @Test
    void withNoServerItSaysWhereItTriedOnceAndKeepsTryingQuietly() throws Exception {
        Assumptions.assumeTrue(python().isPresent(), "python3 is not installed: Python example test skipped");
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort(); // nothing listens there once closed
        }
        Path out = Files.createTempFile("tinyphone-python-", ".out");
        Process p = new ProcessBuilder(python().get(), SCRIPT.toString(), "--port", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.readString(out).contains("retrying") && System.nanoTime() < deadline) Thread.sleep(50);
            Thread.sleep(3000); // several retries (0.25 s doubling) happen meanwhile
            String printed = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(printed).contains("cannot connect to 127.0.0.1:" + port);
            assertThat(printed.lines().filter(l -> l.contains("cannot connect")).count()).as(printed).isEqualTo(1);
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    private static java.util.Optional<String> python() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : List.of("python3")) {
                File f = new File(dir, name);
                if (f.canExecute()) {
                    return java.util.Optional.of(f.getAbsolutePath());
                }
            }
        }
        return java.util.Optional.empty();
    }
}
