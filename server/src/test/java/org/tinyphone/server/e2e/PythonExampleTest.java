package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.audio.AudioSocketCaller;
import org.tinyphone.sim.audio.Pcm;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;
import org.tinyphone.server.stream.TwilioTestApp;

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
    void thePythonExampleRecordsTheCallersAudioToAWavFileSampleForSample() throws Exception {
        Assumptions.assumeTrue(python().isPresent(), "python3 is not installed: Python example test skipped");
        byte[] pcm;
        try (java.io.InputStream in = org.tinyphone.sim.Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            pcm = java.util.Arrays.copyOf(Pcm.fromWav(in), 320 * 150); // 3 s of a real Asterisk capture
        }
        Path dir = Files.createTempDirectory("tinyphone-python-wav-");
        try (RunningServer server = RunningServer.start()) {
            UUID uuid = UUID.randomUUID();
            String printed = withScript(server, List.of("--record", dir.toString(), "unknown"), uuid, caller -> {
                caller.sendAudio(pcm, AudioSocketCaller.Pacing.FAST);
                caller.sendDtmf("4");
            });
            Path wav = dir.resolve(uuid + ".wav");
            assertThat(printed).contains("keypress 4").contains("recorded 3.0 s to " + wav + " (0 frames lost)");
            assertThat(Pcm.load(wav)).as("the WAV holds the caller's samples").isEqualTo(pcm);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(dir);
        }
    }

    @Test
    void thePythonExampleEchoesTheCallersAudioBackToThem() throws Exception {
        Assumptions.assumeTrue(python().isPresent(), "python3 is not installed: Python example test skipped");
        byte[] tone = Pcm.tone(600, Duration.ofSeconds(1), 7000);
        try (RunningServer server = RunningServer.start()) {
            withScript(server, List.of("--echo", "unknown"), UUID.randomUUID(), caller -> {
                caller.sendAudio(tone, AudioSocketCaller.Pacing.FAST);
                java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
                while (back.size() < tone.length) {
                    AudioSocketCaller.Frame f = caller.readFrame(Duration.ofSeconds(20));
                    if (f.type() == AudioSocketCaller.AUDIO_8K) back.writeBytes(f.payload());
                }
                assertThat(back.toByteArray()).as("the caller hears their own audio").isEqualTo(tone);
            });
        }
    }

    @Test
    void thePythonExampleAsksTheServerToStreamEachCallToATwilioApp() throws Exception {
        Assumptions.assumeTrue(python().isPresent(), "python3 is not installed: Python example test skipped");
        byte[] tone = Pcm.tone(440, Duration.ofSeconds(1), 7000);
        try (TwilioTestApp app = new TwilioTestApp();
             RunningServer server = RunningServer.start(java.util.Map.of("stream.allow", "127.0.0.1"))) {
            UUID uuid = UUID.randomUUID();
            String url = "ws://127.0.0.1:" + app.port() + "/media";
            String printed = withScript(server, List.of("--stream", app.uri().toString(), "unknown"), uuid,
                    caller -> caller.sendAudio(new byte[320], AudioSocketCaller.Pacing.FAST), // the stream waits for audio
                    uuid + " stream connected: " + url, caller -> { // what the caller says from now on reaches the app
                        caller.sendAudio(tone, AudioSocketCaller.Pacing.FAST);
                        caller.sendDtmf("7");
                        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !app.connections.isEmpty()
                                && app.last().events("dtmf").size() == 1 && app.last().events("media").size() == 50);
                    });
            assertThat(printed).contains(uuid + " streaming: ok, to " + url).contains("keypress 7");
            TwilioTestApp.Conn conn = app.last();
            assertThat(conn.events("start").get(0).path("start").path("callSid").asText()).isEqualTo(uuid.toString());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> conn.events("stop").size() == 1);
        }
    }

    private interface CallerPart {
        void run(AudioSocketCaller caller) throws Exception;
    }

    /**
     * Runs the script with {@code options} and {@code --calls 1}, places an AudioSocket call once it listens to it, lets
     * {@code during} act as the caller, hangs up; the script's output.
     */
    private static String withScript(RunningServer server, List<String> options, UUID uuid, CallerPart during) throws Exception {
        return withScript(server, options, uuid, caller -> { }, uuid + " listening: ok", during);
    }

    /** The same, the caller doing {@code first} at once and {@code during} once the script printed {@code ready}. */
    private static String withScript(RunningServer server, List<String> options, UUID uuid, CallerPart first, String ready,
                                     CallerPart during) throws Exception {
        Path out = Files.createTempFile("tinyphone-python-", ".out");
        List<String> command = new java.util.ArrayList<>(List.of(python().get(), SCRIPT.toString(), "--port",
                String.valueOf(server.port("clients")), "--calls", "1"));
        command.addAll(options);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            awaitPrinted(out, "watching unknown");
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), uuid)) {
                first.run(caller);
                awaitPrinted(out, ready);
                during.run(caller);
                caller.hangUp();
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the script exits after one call").isTrue();
            assertThat(p.exitValue()).isZero();
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    private static void awaitPrinted(Path out, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.readString(out).contains(text)) {
            if (System.nanoTime() > deadline) throw new AssertionError("the script did not print '" + text + "': " + Files.readString(out));
            Thread.sleep(50);
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
