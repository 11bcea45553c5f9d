package org.tinyphone.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.examples.stream.StreamApps;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.audio.Pcm;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.config.TinyphoneConfig;

/** `./tinyphone simulate` against a running server (with the example stream apps on its numbers), and against nothing. */
class SimulateCommandTest {

    private static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new String[] {String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void simulateSaysWhatHappenedOnTheCall() {
        TinyphoneConfig config = TinyphoneConfig.defaults().with(Map.of("relay.port", "0", "clients.port", "0",
                "clients.bind", "127.0.0.1", "http.enabled", "false", "fastagi.port", "0", "audiosocket.port", "0", "sms.port", "0"));
        try (TinyphoneServer server = TinyphoneServer.start(config)) {
            String[] r = run("simulate", "--to", "13605162099", "--name", "Carol", "--keys", "12#", "--via", "relay",
                    "--port", String.valueOf(server.port("relay")), "--first-key", "100", "--key-gap", "50",
                    "--hold", "100");
            assertThat(r[0]).isEqualTo("0");
            assertThat(r[1]).contains("calling 13605162099 from 15550001111 (Carol) via relay")
                    .contains("audio: tone").containsPattern("call \\S+: pressed 1 2 #, caller hung up after")
                    .contains("AGI commands from the server: ANSWER, WAIT FOR DIGIT 250");
        }
    }

    @Test
    void overAriItPlaysAsteriskForTheServerToConnectToAndPlacesTheCallIntoStasis() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TinyphoneConfig config = TinyphoneConfig.defaults().with(Map.of("relay.enabled", "false", "clients.port", "0",
                "http.enabled", "false", "fastagi.enabled", "false", "audiosocket.port", "0", "sms.port", "0",
                "ari.enabled", "true", "ari.url", "http://127.0.0.1:" + port, "ari.user", "sim", "ari.password", "simsecret"));
        try (TinyphoneServer server = TinyphoneServer.start(config)) {   // nothing listens on that port yet: it keeps trying
            String[] r = run("simulate", "--to", "13605162099", "--name", "Carol", "--keys", "47", "--via", "ari",
                    "--port", String.valueOf(port), "--ari-user", "sim", "--ari-password", "simsecret", "--arg", "lobby",
                    "--first-key", "300", "--key-gap", "100", "--hold", "1000", "--wait", "60");
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(server.port("ari")).as("registered with Asterisk's port").isEqualTo(port);
            assertThat(r[1]).contains("simulated Asterisk (ARI) on http://127.0.0.1:" + port)
                    .contains("calling 13605162099 from 15550001111 (Carol) via ari")
                    .containsPattern("call \\S+: pressed 4 7, caller hung up after [0-9.]+ s, [0-9.]+ s of audio sent")
                    .contains("ARI requests from the server about the call: GET channels/").contains("/answer");
        }
    }

    /** A server whose number 13605162099 streams to {@code echo} and 13605160000 to {@code recorder}; AudioSocket and FastAGI only. */
    private static TinyphoneServer streamingServer(StreamApps apps) {
        return TinyphoneServer.start(TinyphoneConfig.defaults().with(Map.ofEntries(Map.entry("relay.enabled", "false"),
                Map.entry("clients.port", "0"), Map.entry("clients.bind", "127.0.0.1"), Map.entry("http.enabled", "false"),
                Map.entry("sms.enabled", "false"), Map.entry("fastagi.port", "0"), Map.entry("audiosocket.port", "0"),
                Map.entry("stream.13605162099", apps.echo().toString()), Map.entry("stream.13605160000", apps.recorder().toString()))));
    }

    /** Two seconds of a real caller (Asterisk 22's EAGI audio) as a WAV file, and its samples. */
    private static byte[] callerWav(Path file) throws Exception {
        byte[] pcm;
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            pcm = Arrays.copyOf(Pcm.fromWav(in), 2 * 8000 * 2);
        }
        try (AudioInputStream a = new AudioInputStream(new ByteArrayInputStream(pcm), new AudioFormat(8000, 16, 1, true, false), pcm.length / 2)) {
            AudioSystem.write(a, AudioFileFormat.Type.WAVE, file.toFile());
        }
        return pcm;
    }

    /**
     * Asserts that {@code heard} is the caller's audio ({@code pcm}, looped as the simulated caller sends a file) as µ-law
     * carries it, from some frame on: the stream starts with the frame that comes once the app is connected.
     */
    private static void assertCallersAudioFromSomeFrameOn(byte[] heard, byte[] pcm) {
        byte[] caller = Mulaw.toPcm(Mulaw.fromPcm(pcm, 0, pcm.length), 0, pcm.length / 2);
        int match = -1;
        for (int frame = 0; frame < pcm.length / 320 && match < 0; frame++) {
            boolean same = true;
            for (int i = 0; i < heard.length && same; i++) same = heard[i] == caller[(frame * 320 + i) % caller.length];
            if (same) match = frame;
        }
        assertThat(match).as("the audio is the caller's from some frame on, every frame after it in order").isNotNegative();
    }

    private static byte[] samples(Path wav) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            assertThat(in.getFormat().getSampleRate()).isEqualTo(8000f);
            assertThat(in.getFormat().getSampleSizeInBits()).isEqualTo(16);
            assertThat(in.getFormat().getChannels()).isEqualTo(1);
            return in.readAllBytes();
        }
    }

    @Test
    void theCallerHearsItsOwnAudioComeBackFromTheEchoAppAfterItsDelay(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream appLines = new ByteArrayOutputStream();
        try (StreamApps apps = StreamApps.start("127.0.0.1", 0, Duration.ofMillis(200), dir, new PrintStream(appLines, true, StandardCharsets.UTF_8));
             TinyphoneServer server = streamingServer(apps)) {
            byte[] pcm = callerWav(dir.resolve("caller.wav"));
            Path back = dir.resolve("back.wav");
            String[] r = run("simulate", "--to", "13605162099", "--via", "audiosocket", "--audio", dir.resolve("caller.wav").toString(),
                    "--port", String.valueOf(server.port("audiosocket")), "--fastagi-port", String.valueOf(server.port("fastagi")),
                    "--first-key", "0", "--hold", "4000", "--record-back", back.toString());
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[1]).containsPattern("audio back from the server: \\d+ frames \\([0-9.]+ s\\)")
                    .contains("the audio back (").contains(back.toString());

            // what came back: the echo's 200 ms of silence, then the caller's own audio (from the frame the stream began with)
            byte[] heard = samples(back);
            int lead = 200 * 16;
            assertThat(heard.length).as("the call lasted 4 s: well over the lead came back").isGreaterThan(lead + 320 * 25);
            assertThat(Arrays.copyOf(heard, lead)).containsOnly((byte) 0);
            assertCallersAudioFromSomeFrameOn(Arrays.copyOfRange(heard, lead, heard.length), pcm);
            assertThat(appLines.toString(StandardCharsets.UTF_8)).contains("echo: call ").contains("echoing 200 ms late");
        }
    }

    @Test
    void theRecorderAppWritesTheSimulatedCallersAudioToAWavFile(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream appLines = new ByteArrayOutputStream();
        Path recordings = dir.resolve("recordings");
        try (StreamApps apps = StreamApps.start("127.0.0.1", 0, Duration.ofMillis(200), recordings, new PrintStream(appLines, true, StandardCharsets.UTF_8));
             TinyphoneServer server = streamingServer(apps)) {
            byte[] pcm = callerWav(dir.resolve("caller.wav"));
            String[] r = run("simulate", "--to", "13605160000", "--via", "audiosocket", "--audio", dir.resolve("caller.wav").toString(),
                    "--port", String.valueOf(server.port("audiosocket")), "--fastagi-port", String.valueOf(server.port("fastagi")),
                    "--first-key", "0", "--hold", "3000");
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[1]).contains("no audio came back"); // the recorder only listens
            await().atMost(Duration.ofSeconds(20)).until(() -> appLines.toString(StandardCharsets.UTF_8).contains("written to"));
            Path wav;
            try (var files = Files.list(recordings)) {
                wav = files.filter(f -> f.toString().endsWith(".wav")).findFirst().orElseThrow();
            }
            byte[] recorded = samples(wav);
            assertThat(recorded.length).isGreaterThan(320 * 25);
            assertCallersAudioFromSomeFrameOn(recorded, pcm);
            assertThat(appLines.toString(StandardCharsets.UTF_8)).contains("recorder: call ").contains("from 15550001111")
                    .contains("stop: " + recorded.length / 320 + " frames");
        }
    }

    @Test
    void recordBackIsRefusedWhereNoAudioComesBack() {
        String[] r = run("simulate", "--to", "1", "--via", "relay", "--record-back", "x.wav");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--record-back needs --via audiosocket");
        r = run("simulate", "--to", "1", "--via", "audiosocket", "--calls", "3", "--record-back", "x.wav");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--record-back writes one call's audio: leave out --calls 3");
    }

    @Test
    void overAriItListensOnThePortOfTheServersAriUrlWithItsUserAndSaysSoWhenNoServerComes() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // no --port, --ari-user or --ari-app: the server's ari.url, ari.user and ari.app, as the server reads them
        String[] r = run("simulate", "--to", "1", "--via", "ari", "--set", "ari.url=http://127.0.0.1:" + port + "/ari",
                "--set", "ari.user=sim", "--set", "ari.app=lobby", "--wait", "1");
        assertThat(r[0]).isEqualTo("3");
        assertThat(r[1]).isEqualTo("simulated Asterisk (ARI) on http://127.0.0.1:" + port + " (the server's ari.url, "
                + "command line), user sim: waiting for the server to connect (./tinyphone server --set ari.enabled=true "
                + "--set ari.url=http://127.0.0.1:" + port + " --set ari.user=sim --set ari.password=...)\n");
        assertThat(r[2]).startsWith("tinyphone simulate: no server connected to http://127.0.0.1:" + port
                + " for Stasis app 'lobby' within 1 s.");
        // its option checks hold for ARI too
        assertThat(run("simulate", "--to", "1", "--via", "ari", "--wait", "0")[2])
                .startsWith("tinyphone simulate: --wait 0: give 1 to 3600\n");
    }

    @Test
    void withNoServerItSaysHowToStartOne() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String[] r = run("simulate", "--to", "1", "--port", String.valueOf(port));
        assertThat(r[0]).isEqualTo("3");
        assertThat(r[2]).contains("nothing is listening on 127.0.0.1:" + port + " (--port) for fastagi")
                .contains("./tinyphone server");
    }

    /** Every listener on, on loopback and a port of its own (0: any free one). */
    private static TinyphoneConfig everyListener() {
        Map<String, String> m = new java.util.HashMap<>();
        for (String l : TinyphoneConfig.LISTENERS) {
            m.put(l + ".enabled", "true");
            m.put(l + ".bind", "127.0.0.1");
            m.put(l + ".port", "0");
        }
        return TinyphoneConfig.defaults().with(m);
    }

    /** The --set options that tell simulate the running server's ports, as its config would. */
    private static List<String> portsOf(TinyphoneServer server) {
        List<String> sets = new ArrayList<>();
        for (String l : TinyphoneConfig.LISTENERS) sets.addAll(List.of("--set", l + ".port=" + server.port(l)));
        return sets;
    }

    /**
     * {@link #run(String...)} with two lists of arguments; stderr without the server's log lines (the server runs in
     * this JVM and logs to the same stderr), so it reads as simulate's own.
     */
    private static String[] run(List<String> first, List<String> more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(more);
        String[] r = run(all.toArray(String[]::new));
        r[2] = String.join("", r[2].lines().filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*"))
                .map(l -> l + "\n").toList());
        return r;
    }

    private static final List<String> QUICK = List.of("--keys", "1", "--first-key", "50", "--hold", "50");

    @Test
    void simulateFindsTheServersPortsInItsConfigFileAndSettingsAndSaysWhichItUsed(@TempDir Path dir) throws Exception {
        try (TinyphoneServer server = TinyphoneServer.start(everyListener())) {
            Path file = dir.resolve("tinyphone.properties");
            Files.writeString(file, "fastagi.port=" + server.port("fastagi") + "\naudiosocket.port="
                    + server.port("audiosocket") + "\n");
            String[] fromFile = run(List.of("simulate", "--to", "13605162099", "--config", file.toString()), QUICK);
            assertThat(fromFile[0]).as(fromFile[2]).isEqualTo("0");
            assertThat(fromFile[1]).startsWith("calling 13605162099 from 15550001111 via fastagi to 127.0.0.1:"
                    + server.port("fastagi") + " (the server's fastagi.port, file " + file + ")\n")
                    .containsPattern("call \\S+: pressed 1, caller hung up");

            String[] audiosocket = run(List.of("simulate", "--to", "13605162099", "--via", "audiosocket", "--config",
                    file.toString()), QUICK);
            assertThat(audiosocket[0]).as(audiosocket[2]).isEqualTo("0");
            assertThat(audiosocket[1]).contains("via audiosocket to 127.0.0.1:" + server.port("audiosocket")
                    + " (the server's audiosocket.port, file " + file + "), audio: tone, after the FastAGI hand-off to "
                    + "127.0.0.1:" + server.port("fastagi") + " (the server's fastagi.port, file " + file + ")");

            String[] fromSet = run(List.of("simulate", "--to", "13605162099", "--via", "legacy", "--set",
                    "relay.port=" + server.port("relay")), QUICK);
            assertThat(fromSet[0]).as(fromSet[2]).isEqualTo("0");
            assertThat(fromSet[1]).contains("via legacy to 127.0.0.1:" + server.port("relay")
                    + " (the server's relay.port, command line)");
        }
    }

    @Test
    void simulateFindsTheServersPortsInTheEnvironmentAsTheServerDoes(@TempDir Path dir) throws Exception {
        try (TinyphoneServer server = TinyphoneServer.start(everyListener())) {
            String port = String.valueOf(server.port("fastagi"));
            try (CliChild c = CliChild.run(dir, Map.of("TINYPHONE_FASTAGI_PORT", port),
                    "simulate", "--to", "13605162099", "--keys", "1", "--first-key", "50", "--hold", "50")) {
                assertThat(c.exitCode()).as(c.toString()).isZero();
                assertThat(c.out()).startsWith("calling 13605162099 from 15550001111 via fastagi to 127.0.0.1:" + port
                        + " (the server's fastagi.port, env TINYPHONE_FASTAGI_PORT)\n");
            }
            // a typo in the environment is the server's error, and simulate's too
            try (CliChild c = CliChild.run(dir, Map.of("TINYPHONE_FASTAGI_PROT", port), "simulate", "--to", "1")) {
                assertThat(c.exitCode()).isEqualTo(2);
                assertThat(c.err()).startsWith("tinyphone simulate: the server's settings: unknown environment variable "
                        + "TINYPHONE_FASTAGI_PROT: did you mean TINYPHONE_FASTAGI_PORT?");
            }
        }
    }

    @Test
    void aListenerTheServerHasOffOrOnAnyFreePortCannotBeFoundAndSimulateSaysSo() {
        String[] off = run("simulate", "--to", "1", "--set", "fastagi.enabled=false");
        assertThat(off[0]).isEqualTo("2");
        assertThat(off[2]).startsWith("tinyphone simulate: the server's fastagi listener is off (fastagi.enabled=false, "
                + "command line): give --port if it listens elsewhere\n");
        String[] any = run("simulate", "--to", "1", "--via", "relay", "--set", "relay.port=0");
        assertThat(any[0]).isEqualTo("2");
        assertThat(any[2]).startsWith("tinyphone simulate: the server's relay.port is 0 (any free port, command line): give --port");
    }

    @Test
    void aPortThatSpeaksAnotherProtocolIsToldSoAtOnceOnBothSides() {
        try (TinyphoneServer server = TinyphoneServer.start(everyListener());
             org.tinyphone.server.LogCapture log = org.tinyphone.server.LogCapture.begin()) {
            int relay = server.port("relay"), fastagi = server.port("fastagi"), http = server.port("http");
            int clients = server.port("clients"), audiosocket = server.port("audiosocket");

            // FastAGI to the relay port: the relay closes on the AGI environment's first line, and says why
            String[] r = run(List.of("simulate", "--to", "1", "--via", "fastagi", "--port", String.valueOf(relay)),
                    portsOf(server));
            assertThat(r[0]).isEqualTo("1");
            assertThat(r[1]).doesNotContain("pressed");
            assertThat(r[2]).isEqualTo("tinyphone simulate: 127.0.0.1:" + relay + " closed the connection without a word: "
                    + "it does not speak FastAGI, or it refused the call. " + relay + " is the server's relay port "
                    + "(relay.port); fastagi is on " + fastagi + " (fastagi.port).\n");
            org.awaitility.Awaitility.await().until(() -> log.lines().stream().anyMatch(l -> l.startsWith("WARN")));
            assertThat(log.lines()).filteredOn(l -> l.startsWith("WARN")).singleElement().asString()
                    .contains("RelayIngress").contains("'agi_network: yes'; closed");

            // the relay tunnel to the FastAGI port, the legacy lines to the web port, AudioSocket to 12002
            String[] tunnel = run(List.of("simulate", "--to", "1", "--via", "relay", "--port", String.valueOf(fastagi)),
                    portsOf(server));
            assertThat(tunnel[0]).isEqualTo("1");
            assertThat(tunnel[2]).startsWith("tinyphone simulate: 127.0.0.1:" + fastagi + " closed the connection without "
                    + "a word: it does not speak the relay tunnel (TINYPHONE-RELAY/1), or it refused the call. " + fastagi
                    + " is the server's fastagi port (fastagi.port); relay is on " + relay + " (relay.port).");
            String[] legacy = run(List.of("simulate", "--to", "1", "--via", "legacy", "--port", String.valueOf(http)),
                    portsOf(server));
            assertThat(legacy[0]).isEqualTo("1");
            assertThat(legacy[2]).startsWith("tinyphone simulate: 127.0.0.1:" + http + " answered 'HTTP/1.1 400 ")
                    .contains("': it does not speak the legacy lines. " + http + " is the server's http port");
            String[] audio = run(List.of("simulate", "--to", "1", "--via", "audiosocket", "--port",
                    String.valueOf(clients)), portsOf(server));
            assertThat(audio[0]).isEqualTo("1");
            assertThat(audio[2]).startsWith("tinyphone simulate: 127.0.0.1:" + clients + " answered '{\"v\":1,\"type\":\"error\"")
                    .contains("': it does not speak AudioSocket. " + clients + " is the server's clients port (clients.port); "
                            + "audiosocket is on " + audiosocket + " (audiosocket.port).");
        }
    }

    @Test
    void simulateSmsPostsATextAsTwilioWouldSignedWhenTheServerWantsASignature() throws Exception {
        TinyphoneConfig config = TinyphoneConfig.defaults().with(Map.of("relay.enabled", "false", "clients.port", "0",
                "clients.bind", "127.0.0.1", "http.enabled", "false", "fastagi.enabled", "false",
                "audiosocket.enabled", "false", "sms.port", "0", "sms.auth-token", "tw1lio", "sms.response", "got it"));
        try (TinyphoneServer server = TinyphoneServer.start(config);
             org.tinyphone.server.TcpTestClient legacy = org.tinyphone.server.TcpTestClient.connect(server.port("clients"))) {
            legacy.send("CONNECT,a,13605162099,CR\n");
            org.awaitility.Awaitility.await().until(() -> server.bridge().subscriberCount("13605162099") == 1);
            String port = String.valueOf(server.port("sms"));
            String[] unsigned = run("simulate", "--to", "13605162099", "--sms", "hello there", "--port", port);
            assertThat(unsigned[0]).isEqualTo("1");
            assertThat(unsigned[1]).contains("webhook answered 403").contains("X-Twilio-Signature");
            String[] r = run("simulate", "--to", "13605162099", "--from", "15550002222", "--sms", "hello there",
                    "--port", port, "--auth-token", "tw1lio");
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[1]).contains("texting +13605162099 from +15550002222")
                    .contains("webhook answered 200: <?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>got it</Message></Response>");
            assertThat(legacy.read('\n')).endsWith("\"event\":\"sms\",\"value\":\"15550002222|hello%20there\"}");
        }
    }
}
