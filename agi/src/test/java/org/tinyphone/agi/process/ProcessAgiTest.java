package org.tinyphone.agi.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.agi.AgiPeer;
import org.tinyphone.sim.agi.AgiTranscriptReplay;

/** Process AGI: capture 04a replayed against a real child JVM on its stdin/stdout, and SIGHUP handling. */
@Timeout(60)
class ProcessAgiTest {

    private static Process child(String scenario, Path stderr) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", cp,
                ProcessAgiChild.class.getName(), scenario)
                .redirectError(stderr.toFile()).start();
    }

    @Test
    void capture04a_replayedAgainstAChildProcess(@TempDir Path dir) throws Exception {
        Path err = dir.resolve("stderr.txt");
        Process p = child("04a", err);
        AgiTranscriptReplay.Result r = AgiTranscriptReplay.of("04a-process-agi.txt")
                .overStreams(p.getInputStream(), p.getOutputStream());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        r.assertOk();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(err)).contains("a stray println from the app must not reach Asterisk");
    }

    @Test
    void sighupEndsTheWaitingCommandWithAHangupAndCleanUpStillRuns(@TempDir Path dir) throws Exception {
        Path err = dir.resolve("stderr.txt");
        Process p = child("sighup", err);
        List<String> env = Transcript.load("04a-process-agi.txt").lines(Transcript.Dir.ASTERISK);
        try (AgiPeer asterisk = AgiPeer.over(p.getInputStream(), p.getOutputStream(), null)) {
            asterisk.sendEnvironment(env.subList(0, env.indexOf("")));
            assertThat(asterisk.readLine()).isEqualTo("WAIT FOR DIGIT -1");
            asterisk.send("200 result=49"); // the caller pressed 1
            assertThat(asterisk.readLine()).isEqualTo("WAIT FOR DIGIT -1");
            // the caller hangs up: Asterisk sends SIGHUP to the script, then the waiting command ends with -1
            new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor();
            awaitLine(err, "SIGHUP");
            asterisk.send("200 result=-1");
            assertThat(asterisk.readLine()).isEqualTo("VERBOSE \"clean-up after hangup\" 1");
            asterisk.send("200 result=1");
            assertThat(asterisk.readLine()).isNull(); // the script ended
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    private static void awaitLine(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("child never logged '" + text + "':\n" + Files.readString(file));
    }

    @Test
    void inProcessOverPipes() throws Exception {
        PipedOutputStream toApp = new PipedOutputStream();
        PipedInputStream appIn = new PipedInputStream(toApp, 4096);
        PipedInputStream fromApp = new PipedInputStream(4096);
        PipedOutputStream appOut = new PipedOutputStream(fromApp);
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> ProcessAgi.run(ch -> {
            ch.answer();
            ch.streamFile("beep"); // 511: the caller is gone
        }, appIn, appOut));
        try (AgiPeer asterisk = AgiPeer.over(fromApp, toApp, null)) {
            asterisk.sendEnvironment(List.of("agi_request: x.agi", "agi_channel: SIP/1-1"));
            assertThat(asterisk.readLine()).isEqualTo("ANSWER");
            asterisk.send("200 result=0");
            assertThat(asterisk.readLine()).isEqualTo("STREAM FILE beep \"\"");
            asterisk.send("511 Command Not Permitted on a dead channel or intercept routine");
            assertThat(status.get(20, TimeUnit.SECONDS)).isZero(); // a hangup is a normal end
        }
    }

    @Test
    void garbageInsteadOfAnEnvironmentFails() {
        int status = ProcessAgi.run(ch -> { }, new java.io.ByteArrayInputStream("hello\n\n".getBytes(StandardCharsets.UTF_8)),
                new java.io.ByteArrayOutputStream());
        assertThat(status).isEqualTo(1);
    }
}
