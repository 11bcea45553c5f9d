package org.tinyphone.relay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.sim.EagiCaptures;
import org.tinyphone.sim.Transcript;

/**
 * The real relay ({@link RelayMain}) as a child process, with the test playing Asterisk on its stdin/stdout
 * (and fd 3, through {@code TINYPHONE_AUDIO_FD}) and a real {@link RelaySession} as the server.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RelayEndToEndTest {

    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closeables) c.close();
        for (Process p : processes) p.destroyForcibly();
    }

    /** The EAGI environment Asterisk wrote in capture 04b, byte for byte (LF lines, empty line at the end). */
    static String eagiEnvironment() throws IOException {
        // 04b also holds the probe's own "a3" lines, which Transcript does not parse: pick the "<<" lines here
        String text;
        try (InputStream in = Transcript.resource("04b-eagi.txt")) {
            text = new String(in.readAllBytes(), UTF_8);
        }
        java.util.regex.Pattern fromAsterisk = java.util.regex.Pattern.compile("^\\s*\\d+\\.\\d+ <<(?: (.*))?$");
        StringBuilder env = new StringBuilder();
        for (String line : text.split("\n")) {
            java.util.regex.Matcher m = fromAsterisk.matcher(line);
            if (!m.matches()) continue;
            String sent = m.group(1) == null ? "" : m.group(1);
            env.append(sent).append('\n');
            if (sent.isEmpty()) break;
        }
        return env.toString();
    }

    Process startRelay(Map<String, String> env, String... args) throws Exception {
        Path classes = Path.of(RelayMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", classes.toString(), RelayMain.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("TINYPHONE_RELAY");
        pb.environment().remove("TINYPHONE_AUDIO_FD");
        pb.environment().putAll(env);
        pb.redirectError(tmp.resolve("relay-stderr-" + processes.size() + ".txt").toFile());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    ServerSocket server() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        s.setSoTimeout(30_000);
        closeables.add(s);
        return s;
    }

    /** Accepts the relay, checks its greeting and opens the server side. */
    RelaySession accept(ServerSocket server, RelayListener listener) throws IOException {
        Socket socket = server.accept();
        closeables.add(socket);
        InputStream in = new BufferedInputStream(socket.getInputStream());
        String first = RelaySession.readFirstLine(in);
        assertThat(first).isEqualTo("TINYPHONE-RELAY/1");
        assertThat(RelayProtocol.isGreeting(first)).isTrue();
        RelaySession session = RelaySession.open(socket, in, listener);
        closeables.add(session);
        return session;
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') line.write(b);
        if (b < 0 && line.size() == 0) return null;
        return line.toString(UTF_8);
    }

    static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertThat(b).hasSize(n);
        return b;
    }

    static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(UTF_8));
        out.flush();
    }

    static final class Recorder implements RelayListener {
        final ByteArrayOutputStream audio = new ByteArrayOutputStream();
        final List<int[]> levels = new CopyOnWriteArrayList<>();
        volatile boolean hangup;
        volatile String ended;
        volatile int endedCount;

        @Override
        public synchronized void audio(byte[] pcm, int offset, int length) {
            audio.write(pcm, offset, length);
        }

        synchronized byte[] audio() {
            return audio.toByteArray();
        }

        @Override
        public void level(int peak, int rms) {
            levels.add(new int[] {peak, rms});
        }

        @Override
        public void hangup() {
            hangup = true;
        }

        @Override
        public void ended(String reason) {
            ended = reason;
            endedCount++;
        }
    }

    @Test
    void eagiCallPassesEnvironmentCommandsRepliesAndAudioThroughAndEndsWhenTheServerCloses() throws Exception {
        ServerSocket server = server();
        byte[] audio = EagiCaptures.eagiAudio();
        Path fd3 = Files.write(tmp.resolve("fd3.raw"), audio);
        Process relay = startRelay(Map.of("TINYPHONE_RELAY", "127.0.0.1:" + server.getLocalPort(),
                "TINYPHONE_AUDIO_FD", fd3.toString()));
        OutputStream asteriskWrites = relay.getOutputStream();
        InputStream asteriskReads = relay.getInputStream();

        // Asterisk starts the script and writes the environment at once
        String env = eagiEnvironment();
        assertThat(env).contains("agi_enhanced: 1.0\n").endsWith("agi_arg_1: hello tinyphone\n\n");
        write(asteriskWrites, env);

        Recorder rec = new Recorder();
        RelaySession session = accept(server, rec);
        InputStream agiIn = session.agiInput();
        OutputStream agiOut = session.agiOutput();

        // the server sees exactly the bytes Asterisk wrote
        assertThat(new String(readExactly(agiIn, env.getBytes(UTF_8).length), UTF_8)).isEqualTo(env);

        // commands reach Asterisk verbatim, replies come back verbatim
        write(agiOut, "ANSWER\n");
        assertThat(readLine(asteriskReads)).isEqualTo("ANSWER");
        write(asteriskWrites, "200 result=0\n");
        assertThat(readLine(agiIn)).isEqualTo("200 result=0");

        String quoted = "SET VARIABLE QUOTED \"a \\\"quoted\\\" value  with   spaces ✓\"\n";
        agiOut.write(quoted.getBytes(UTF_8)); // no flush needed for array writes
        assertThat(readLine(asteriskReads) + "\n").isEqualTo(quoted);
        // a multi-line 520 reply, as in capture 02, arriving in two pieces
        String usage1 = "520-Invalid command syntax.  Proper usage follows:\n";
        String usage2 = "Usage: SET VARIABLE <variablename> <value>\n520 End of proper usage.\n";
        write(asteriskWrites, usage1);
        write(asteriskWrites, usage2);
        assertThat(new String(readExactly(agiIn, (usage1 + usage2).getBytes(UTF_8).length), UTF_8)).isEqualTo(usage1 + usage2);

        // single-byte writes go out at the end of the line
        for (byte b : "NOOP\n".getBytes(UTF_8)) agiOut.write(b);
        assertThat(readLine(asteriskReads)).isEqualTo("NOOP");
        write(asteriskWrites, "200 result=0\n");
        assertThat(readLine(agiIn)).isEqualTo("200 result=0");

        // fd 3 audio arrives whole, and the levels are those of capture 04d
        await().atMost(Duration.ofSeconds(30)).until(() -> rec.audio().length == audio.length);
        assertThat(rec.audio()).isEqualTo(audio);
        await().atMost(Duration.ofSeconds(5)).until(() -> rec.levels.size() == 75);
        List<EagiCaptures.Window> rows = EagiCaptures.peakWindows();
        for (int w = 0; w < 75; w++) {
            assertThat(rec.levels.get(w)).as("window %d", w).containsExactly(rows.get(w).peak(), rows.get(w).rms());
        }
        assertThat(session.audioBytes()).isEqualTo(audio.length);

        // the server ends the call: the relay exits 0 and Asterisk's dialplan goes on
        session.close();
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
        assertThat(rec.ended).isEqualTo("server ended the call");
        assertThat(rec.endedCount).isEqualTo(1);
        assertThat(readLine(asteriskReads)).isNull(); // nothing else was written to Asterisk
    }

    @Test
    void sighupBecomesAHangupLineAndTheChannelStaysUsableUntilTheServerCloses() throws Exception {
        ServerSocket server = server();
        Process relay = startRelay(Map.of("TINYPHONE_RELAY", "127.0.0.1:" + server.getLocalPort(),
                "TINYPHONE_AUDIO_FD", "none"));
        write(relay.getOutputStream(), eagiEnvironment());
        Recorder rec = new Recorder();
        RelaySession session = accept(server, rec);
        BufferedInputStream agiIn = new BufferedInputStream(session.agiInput());
        agiIn.readNBytes(eagiEnvironment().length());

        write(session.agiOutput(), "WAIT FOR DIGIT -1\n");
        assertThat(readLine(relay.getInputStream())).isEqualTo("WAIT FOR DIGIT -1");

        // the other leg hangs up: Asterisk sends SIGHUP (no HANGUP line in process AGI), then the failed wait's reply
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(relay.pid())).start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> rec.hangup);
        assertThat(session.isHungUp()).isTrue();
        write(relay.getOutputStream(), "200 result=-1\n");
        assertThat(readLine(agiIn)).isEqualTo("HANGUP");
        assertThat(readLine(agiIn)).isEqualTo("200 result=-1");

        // dead-channel-safe commands still work (04b: NOOP after the hangup got 200)
        write(session.agiOutput(), "NOOP\n");
        assertThat(readLine(relay.getInputStream())).isEqualTo("NOOP");
        write(relay.getOutputStream(), "200 result=0\n");
        assertThat(readLine(agiIn)).isEqualTo("200 result=0");
        assertThat(relay.isAlive()).isTrue();

        session.close();
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
    }

    @Test
    void whenAsteriskClosesStdinTheServerSeesTheEnd() throws Exception {
        ServerSocket server = server();
        Process relay = startRelay(Map.of("TINYPHONE_RELAY", "127.0.0.1:" + server.getLocalPort()));
        String env = eagiEnvironment().replace("agi_enhanced: 1.0", "agi_enhanced: 0.0");
        write(relay.getOutputStream(), env);
        Recorder rec = new Recorder();
        RelaySession session = accept(server, rec);
        assertThat(new String(session.agiInput().readNBytes(env.length()), UTF_8)).isEqualTo(env);
        relay.getOutputStream().close();
        assertThat(session.agiInput().read()).isEqualTo(-1);
        assertThat(session.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(session.endReason()).isEqualTo("relay ended: stdin closed");
        assertThat(rec.ended).isEqualTo("relay ended: stdin closed");
        assertThat(session.isOpen()).isFalse();
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
        assertThat(session.agiOutput()).satisfies(out -> org.assertj.core.api.Assertions
                .assertThatThrownBy(() -> out.write("NOOP\n".getBytes(UTF_8))).isInstanceOf(IOException.class));
    }

    @Test
    void serverDownTheRelayTellsAsteriskAndExitsZero() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Process relay = startRelay(Map.of("TINYPHONE_RELAY", "127.0.0.1:" + port));
        write(relay.getOutputStream(), eagiEnvironment());
        assertThat(readLine(relay.getInputStream()))
                .isEqualTo("VERBOSE \"Tinyphone server not reachable at 127.0.0.1:" + port + "\" 1");
        write(relay.getOutputStream(), "200 result=1\n");
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
        assertThat(readLine(relay.getInputStream())).isNull();
    }

    @Test
    void aBadServerAddressIsToldToAsterisk() throws Exception {
        Process relay = startRelay(Map.of("TINYPHONE_RELAY", "127.0.0.1:http"));
        write(relay.getOutputStream(), eagiEnvironment());
        assertThat(readLine(relay.getInputStream())).isEqualTo("VERBOSE \"Tinyphone relay: bad server address 127.0.0.1:http\" 1");
        write(relay.getOutputStream(), "200 result=1\n");
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
    }

    @Test
    void serverThatClosesWithoutTakingTheCallIsReportedToAsterisk() throws Exception {
        ServerSocket server = server();
        Process relay = startRelay(Map.of("TINYPHONE_RELAY", "127.0.0.1:" + server.getLocalPort()));
        write(relay.getOutputStream(), eagiEnvironment());
        try (Socket s = server.accept()) {
            // e.g. an allow-list rejection: closed without a word
            s.getInputStream().readNBytes(18);
        }
        String line = readLine(relay.getInputStream());
        assertThat(line).startsWith("VERBOSE \"Tinyphone server at 127.0.0.1:" + server.getLocalPort()
                + " did not take the call: ").endsWith("\" 1");
        write(relay.getOutputStream(), "200 result=1\n");
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
    }

    @Test
    void relayAddressAsFirstArgumentIsTakenOutOfTheEnvironment() throws Exception {
        ServerSocket server = server();
        String relayArg = "--relay=127.0.0.1:" + server.getLocalPort();
        Process relay = startRelay(Map.of("TINYPHONE_AUDIO_FD", "none"), relayArg, "hello tinyphone", "x");
        String env = eagiEnvironment().replace("agi_arg_1: hello tinyphone\n",
                "agi_arg_1: " + relayArg + "\nagi_arg_2: hello tinyphone\nagi_arg_3: x\n");
        write(relay.getOutputStream(), env);
        RelaySession session = accept(server, new Recorder());
        String expected = eagiEnvironment().replace("agi_arg_1: hello tinyphone\n",
                "agi_arg_1: hello tinyphone\nagi_arg_2: x\n");
        assertThat(new String(session.agiInput().readNBytes(expected.length()), UTF_8)).isEqualTo(expected);
        session.close();
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
    }

    @Test
    void audioFromAPipeThatNeverEndsDoesNotKeepTheRelayAlive() throws Exception {
        // EAGI's fd 3 is a pipe that never reaches EOF, even after the hangup (04b)
        Path fifo = tmp.resolve("fd3.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        ServerSocket server = server();
        Process relay = startRelay(Map.of("TINYPHONE_RELAY", "127.0.0.1:" + server.getLocalPort(),
                "TINYPHONE_AUDIO_FD", fifo.toString()));
        write(relay.getOutputStream(), eagiEnvironment());
        Recorder rec = new Recorder();
        RelaySession session = accept(server, rec);
        byte[] audio = EagiCaptures.eagiAudio();
        try (OutputStream asteriskFd3 = Files.newOutputStream(fifo)) { // blocks until the relay opens it
            for (int off = 0; off < 32000; off += 320) asteriskFd3.write(audio, off, 320);
            asteriskFd3.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> rec.audio().length == 32000);
            assertThat(rec.levels).hasSize(30); // 16000 samples / 528
            session.close(); // the write end stays open: the relay must still go at once
            assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(relay.exitValue()).isZero();
        }
    }

    @Test
    void afterSighupTheRelayLeavesByItselfIfTheServerDoesNotEndTheCall() throws Exception {
        ServerSocket server = server();
        Process relay = startRelay(Map.of("TINYPHONE_RELAY", "127.0.0.1:" + server.getLocalPort(),
                "TINYPHONE_AUDIO_FD", "none", "TINYPHONE_RELAY_HANGUP_GRACE_MS", "300"));
        write(relay.getOutputStream(), eagiEnvironment());
        Recorder rec = new Recorder();
        RelaySession session = accept(server, rec);
        session.agiInput().readNBytes(eagiEnvironment().length());
        assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(relay.pid())).start().waitFor()).isZero();
        assertThat(session.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.hangup).isTrue();
        assertThat(session.endReason()).isEqualTo("relay ended: hangup grace period over");
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
    }

    @Test
    void theTrainingRunForTheAheadOfTimeCacheIsAWholeCallAgainstAnInProcessServer() throws Exception {
        Process training = startRelay(Map.of(), "--train");
        write(training.getOutputStream(), "agi_request: tinyphone-agi-training\nagi_enhanced: 0.0\n\n200 result=0\n");
        assertThat(readLine(training.getInputStream())).isEqualTo("NOOP");
        assertThat(training.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(training.exitValue()).isZero();
    }

    // --- bin/tinyphone-agi, the launcher script Asterisk runs ---

    Process startScript(Map<String, String> env) throws Exception {
        Path script = Path.of("..", "bin", "tinyphone-agi").toAbsolutePath().normalize();
        assertThat(script).isExecutable();
        Path classes = Path.of(RelayMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ProcessBuilder pb = new ProcessBuilder(script.toString());
        pb.environment().remove("TINYPHONE_RELAY");
        pb.environment().put("TINYPHONE_RELAY_JAR", classes.toString());
        pb.environment().put("TINYPHONE_CACHE_DIR", tmp.resolve("cache").toString());
        pb.environment().put("TINYPHONE_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().putAll(env);
        pb.redirectError(tmp.resolve("script-stderr-" + processes.size() + ".txt").toFile());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    @Test
    void theLauncherScriptRunsTheRelayAndKeepsTheJvmsOwnOutputOffTheAgiChannel() throws Exception {
        ServerSocket server = server();
        for (int run = 0; run < 2; run++) { // the first run also writes the class-data archive
            // no TINYPHONE_JAVA: the script picks JAVA_HOME (21+) and caches the choice for the next call
            Process relay = startScript(Map.of("TINYPHONE_RELAY", "127.0.0.1:" + server.getLocalPort(), "TINYPHONE_AUDIO_FD", "none",
                    "TINYPHONE_JAVA", "", "JAVA_HOME", System.getProperty("java.home")));
            String env = eagiEnvironment();
            write(relay.getOutputStream(), env);
            Recorder rec = new Recorder();
            RelaySession session = accept(server, rec);
            assertThat(new String(session.agiInput().readNBytes(env.length()), UTF_8)).isEqualTo(env);
            write(session.agiOutput(), "ANSWER\n");
            assertThat(readLine(relay.getInputStream())).isEqualTo("ANSWER");
            write(relay.getOutputStream(), "200 result=0\n");
            assertThat(readLine(session.agiInput())).isEqualTo("200 result=0");
            session.close();
            assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(relay.exitValue()).isZero();
            assertThat(readLine(relay.getInputStream())).isNull(); // stdout carried nothing but AGI
        }
        assertThat(Files.readAllLines(tmp.resolve("cache").resolve("java"))).containsExactly(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                Integer.toString(Runtime.version().feature()));
    }

    @Test
    void theLauncherScriptTellsAsteriskWhenItCannotStartTheRelay() throws Exception {
        Process relay = startScript(Map.of("TINYPHONE_JAVA", tmp.resolve("no-such-java").toString()));
        write(relay.getOutputStream(), eagiEnvironment());
        assertThat(readLine(relay.getInputStream())).startsWith("VERBOSE \"Tinyphone relay: TINYPHONE_JAVA=").endsWith("\" 1");
        write(relay.getOutputStream(), "200 result=1\n");
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
    }

    @Test
    void theLauncherScriptRefusesAJavaOlderThan21WithAMessageToAsterisk() throws Exception {
        Path oldJdk = Files.createDirectories(tmp.resolve("jdk-17").resolve("bin"));
        Files.writeString(oldJdk.getParent().resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"17.0.9\"\n");
        Path java = Files.writeString(oldJdk.resolve("java"), "#!/bin/sh\necho should not run >&2\nexit 1\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        Process relay = startScript(Map.of("TINYPHONE_JAVA", java.toString()));
        write(relay.getOutputStream(), eagiEnvironment());
        assertThat(readLine(relay.getInputStream())).isEqualTo(
                "VERBOSE \"Tinyphone relay: " + java + " is Java 17, Java 21+ is needed\" 1");
        write(relay.getOutputStream(), "200 result=1\n");
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
    }

    @Test
    void theLauncherScriptWithTheServerDownTellsAsterisk() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process relay = startScript(Map.of("TINYPHONE_RELAY", "127.0.0.1:" + port));
        write(relay.getOutputStream(), eagiEnvironment());
        assertThat(readLine(relay.getInputStream()))
                .isEqualTo("VERBOSE \"Tinyphone server not reachable at 127.0.0.1:" + port + "\" 1");
        write(relay.getOutputStream(), "200 result=1\n");
        assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(relay.exitValue()).isZero();
    }
}
