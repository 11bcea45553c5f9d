package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.sim.Transcript;

/**
 * The real relay program, {@code bin/tinyphone-agi}, started as Asterisk starts it for
 * {@code EAGI(/path/bin/tinyphone-agi,args)}: this test plays Asterisk on its stdin/stdout (and gives it the
 * captured EAGI audio as fd 3). Once against the running server, once with no server at all.
 */
class RealRelayEndToEndTest {
    private static final Path RELAY = Path.of("..", "bin", "tinyphone-agi");

    private static Process startRelay(int port, Path audio) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", RELAY.toString(), "lobby").redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.put("TINYPHONE_RELAY", "127.0.0.1:" + port);
        env.put("TINYPHONE_AUDIO_FD", audio == null ? "none" : audio.toString());
        env.put("TINYPHONE_RELAY_JAR", relayJar());
        env.put("TINYPHONE_JAVA", ProcessHandle.current().info().command().orElse("java"));
        env.put("TINYPHONE_CACHE_DIR", Files.createTempDirectory("tinyphone-relay-cache").toString());
        env.put("TINYPHONE_RELAY_AOT", "0"); // no background cache-training JVMs during the test run
        return pb.start();
    }

    /** The relay module's jar (or classes) on this test's class path. */
    private static String relayJar() {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.contains("tinyphone-relay") || entry.endsWith("relay/target/classes")) {
                return entry;
            }
        }
        throw new IllegalStateException("no tinyphone-relay on the class path");
    }

    /** The EAGI environment Asterisk writes to the script's stdin. */
    private static String environment(String uniqueId, String dnid) {
        return String.join("\n", List.of("agi_request: tinyphone-agi", "agi_channel: PJSIP/provider-00000001",
                "agi_language: en", "agi_type: PJSIP", "agi_uniqueid: " + uniqueId, "agi_version: 22.10.1",
                "agi_callerid: 15550001111", "agi_calleridname: Carol", "agi_callingpres: 0", "agi_callingani2: 0",
                "agi_callington: 0", "agi_callingtns: 0", "agi_dnid: " + dnid, "agi_rdnis: unknown",
                "agi_context: from-provider", "agi_extension: " + dnid, "agi_priority: 2", "agi_enhanced: 1.0",
                "agi_accountcode: ", "agi_threadid: 140000000000001", "agi_arg_1: lobby", "", ""));
    }

    private static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (Exception ignored) {
                // process gone
            }
        });
        return lines;
    }

    @Test
    void theRelayProgramBringsTheCallItsKeysAndItsAudioToSubscribers() throws Exception {
        // fd 3 is a pipe that Asterisk fills with 20 ms of audio every 20 ms: here, the captured EAGI audio
        Path dir = Files.createTempDirectory("eagi");
        Path audio = dir.resolve("fd3");
        assertThat(new ProcessBuilder("mkfifo", audio.toString()).start().waitFor()).isZero();
        byte[] pcm;
        try (var in = Transcript.resource("04c-eagi-audio-8k-s16le.raw")) {
            pcm = in.readAllBytes();
        }
        Thread fd3 = Thread.ofVirtual().start(() -> {
            try (OutputStream out = Files.newOutputStream(audio)) {
                for (int at = 0; !Thread.currentThread().isInterrupted(); at = (at + 320) % (pcm.length - 320)) {
                    out.write(pcm, at, 320);
                    out.flush();
                    Thread.sleep(20);
                }
            } catch (Exception stopped) {
                // the relay went away or the test is over
            }
        });
        try (RunningServer server = RunningServer.start(); RunningServer.Watcher w = server.watch("15555000001")) {
            Process relay = startRelay(server.port("relay"), audio);
            BlockingQueue<String> commands = lines(relay);
            OutputStream asterisk = relay.getOutputStream();
            asterisk.write(environment("1795446999.7", "15555000001").getBytes(StandardCharsets.UTF_8));
            asterisk.flush();
            // play Asterisk: answer the server's commands; the caller presses 4 once, then hangs up
            boolean pressed = false;
            int waits = 0;
            while (waits < 4) {
                String command = commands.poll(30, TimeUnit.SECONDS);
                assertThat(command).as("a command from the server through the relay").isNotNull();
                String reply = "200 result=0";
                if (command.startsWith("WAIT FOR DIGIT")) {
                    waits++;
                    if (!pressed) {
                        reply = "200 result=52";
                        pressed = true;
                    }
                }
                asterisk.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
                asterisk.flush();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !w.of(TinyphoneEvent.AudioLevel.class).isEmpty());
            asterisk.close(); // Asterisk ends the script's stdin: the call is over
            assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(relay.exitValue()).isZero();
            await().atMost(Duration.ofSeconds(30)).until(w::hungUp);

            TinyphoneEvent.NewCaller caller = w.of(TinyphoneEvent.NewCaller.class).get(0);
            assertThat(caller.callId()).isEqualTo("1795446999.7");
            assertThat(caller.callerName()).isEqualTo("Carol");
            assertThat(caller.args()).containsExactly("lobby");
            assertThat(caller.via()).isEqualTo("relay");
            assertThat(w.story()).containsExactly("new_caller", "keypress 4", "hangup");
        } finally {
            fd3.interrupt();
            Files.deleteIfExists(audio);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void withNoServerTheRelayTellsAsteriskAndEndsCleanly() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Process relay = startRelay(closedPort, null);
        BlockingQueue<String> toAsterisk = lines(relay);
        OutputStream asterisk = relay.getOutputStream();
        asterisk.write(environment("1795446999.8", "15555000002").getBytes(StandardCharsets.UTF_8));
        asterisk.flush();
        String verbose = toAsterisk.poll(30, TimeUnit.SECONDS);
        assertThat(verbose).startsWith("VERBOSE \"").endsWith(" 1").containsIgnoringCase("tinyphone");
        asterisk.write("200 result=1\n".getBytes(StandardCharsets.UTF_8));
        asterisk.flush();
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).as("the relay ends by itself").isTrue();
        assertThat(relay.exitValue()).isZero();
    }
}
