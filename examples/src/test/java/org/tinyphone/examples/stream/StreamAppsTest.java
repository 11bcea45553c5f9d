package org.tinyphone.examples.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.audio.Pcm;

/**
 * The echo and recorder apps over real WebSockets, with Tinyphone's side played as Twilio's docs describe it: the
 * caller's audio is a real EAGI capture from Asterisk 22, µ-law coded as a stream carries it.
 */
class StreamAppsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private final ByteArrayOutputStream lines = new ByteArrayOutputStream();
    private StreamApps apps;

    @BeforeEach
    void start() throws Exception {
        apps = StreamApps.start("127.0.0.1", 0, Duration.ofMillis(500), dir, new PrintStream(lines, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        apps.close();
    }

    private String output() {
        return lines.toString(StandardCharsets.UTF_8);
    }

    /** Two seconds of a real caller (Asterisk's EAGI audio), as 16-bit PCM. */
    private static byte[] callerPcm() throws Exception {
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            return Arrays.copyOf(Pcm.fromWav(in), 2 * 8000 * 2);
        }
    }

    @Test
    void theEchoSendsHalfASecondOfSilenceThenTheCallersAudioBackWithAMarkPerSecond() throws Exception {
        byte[] pcm = callerPcm();
        byte[] ulaw = Mulaw.fromPcm(pcm, 0, pcm.length);
        try (TinyphoneSide tinyphone = new TinyphoneSide(apps.echo())) {
            tinyphone.connectedAndStart("1763900000.42", "15550001111");
            tinyphone.media(ulaw);
            await().atMost(WAIT).until(() -> tinyphone.mediaReceived().length >= 4000 + ulaw.length
                    && tinyphone.events("mark").size() == 2);

            // the delay: 500 ms of µ-law silence first, then exactly what the caller said
            byte[] back = tinyphone.mediaReceived();
            assertThat(back).hasSize(4000 + ulaw.length);
            byte[] lead = new byte[4000];
            Arrays.fill(lead, (byte) 0xff);
            assertThat(Arrays.copyOf(back, 4000)).isEqualTo(lead);
            assertThat(Mulaw.toPcm(back, 4000, ulaw.length)).isEqualTo(Mulaw.toPcm(ulaw, 0, ulaw.length));
            assertThat(Mulaw.toPcm(Arrays.copyOf(back, 4000), 0, 4000)).containsOnly((byte) 0);

            // every message carries the stream's sid; a mark follows the 50th and the 100th frame echoed
            for (JsonNode m : tinyphone.received) assertThat(m.path("streamSid").asText()).isEqualTo(TinyphoneSide.STREAM_SID);
            List<JsonNode> all = tinyphone.received;
            JsonNode first = tinyphone.events("mark").get(0);
            assertThat(first.get("mark").get("name").asText()).isEqualTo("echo 1 s");
            assertThat(all.subList(0, all.indexOf(first)).stream().filter(m -> m.path("event").asText().equals("media")).count())
                    .isEqualTo(1 + 50); // the lead and one second of frames
            assertThat(tinyphone.events("mark").get(1).get("mark").get("name").asText()).isEqualTo("echo 2 s");

            // Tinyphone answers a mark once its audio has played: the echo says so
            tinyphone.markBack("echo 1 s");
            await().atMost(WAIT).until(() -> output().contains("echo: call 1763900000.42: mark 'echo 1 s' back"));

            // a key: clear what is queued, and the delay again
            int before = tinyphone.received.size();
            tinyphone.dtmf("5");
            await().atMost(WAIT).until(() -> tinyphone.received.size() == before + 2);
            assertThat(tinyphone.received.get(before).toString()).isEqualTo("{\"event\":\"clear\",\"streamSid\":\"" + TinyphoneSide.STREAM_SID + "\"}");
            assertThat(tinyphone.received.get(before + 1).path("media").path("payload").asText())
                    .isEqualTo(java.util.Base64.getEncoder().encodeToString(lead));

            tinyphone.stop("1763900000.42");
            await().atMost(WAIT).until(() -> output().contains("stop:"));
            assertThat(output()).contains("echo: call 1763900000.42: started, from 15550001111 to 13605162099 (stream "
                            + TinyphoneSide.STREAM_SID + "); echoing 500 ms late")
                    .contains("echo: call 1763900000.42: key 5: cleared the queued audio, the delay starts again")
                    .contains("echo: call 1763900000.42: stop: 100 frames in (2.0 s) echoed, 2 marks sent, 1 back");
        }
    }

    @Test
    void theRecorderWritesTheCallersAudioToAWavFileNamedAfterTheCall() throws Exception {
        byte[] pcm = callerPcm();
        byte[] ulaw = Mulaw.fromPcm(pcm, 0, pcm.length);
        try (TinyphoneSide tinyphone = new TinyphoneSide(apps.recorder())) {
            tinyphone.connectedAndStart("1763900000.43", "15550002222");
            tinyphone.media(ulaw);
            tinyphone.dtmf("7");
            tinyphone.stop("1763900000.43");
            Path wav = dir.resolve("1763900000.43.wav");
            await().atMost(WAIT).until(() -> output().contains("stop: 100 frames (2.0 s) written to " + wav));
            assertThat(tinyphone.events("media")).isEmpty(); // it only listens
            try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
                AudioFormat f = in.getFormat();
                assertThat(f.getEncoding()).isEqualTo(AudioFormat.Encoding.PCM_SIGNED);
                assertThat(f.getSampleRate()).isEqualTo(8000f);
                assertThat(f.getSampleSizeInBits()).isEqualTo(16);
                assertThat(f.getChannels()).isEqualTo(1);
                assertThat(f.isBigEndian()).isFalse();
                // the caller's samples, as µ-law carried them
                assertThat(in.readAllBytes()).isEqualTo(Mulaw.toPcm(ulaw, 0, ulaw.length));
            }
            assertThat(output()).contains("recorder: call 1763900000.43: started, from 15550002222")
                    .contains("recorder: call 1763900000.43: key 7");
            try (var files = Files.list(dir)) {
                assertThat(files).containsExactly(wav); // no .part left
            }
        }
    }

    @Test
    void theRecorderMakesAnyCallSidASafeFileNameAndNeverOverwritesAnEarlierRecording() throws Exception {
        byte[] ulaw = new byte[1600];
        Arrays.fill(ulaw, (byte) 0x80);
        for (int i = 0; i < 2; i++) {
            try (TinyphoneSide tinyphone = new TinyphoneSide(apps.recorder())) {
                tinyphone.connectedAndStart("../../etc/x\u001b[31m", "1");
                tinyphone.media(ulaw);
                tinyphone.stop("../../etc/x");
                int n = i;
                await().atMost(WAIT).until(() -> output().split("written to", -1).length == n + 2);
            }
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(".._.._etc_x__31m.wav".replaceFirst("^", "call"),
                    "call.._.._etc_x__31m-2.wav");
        }
        assertThat(output()).doesNotContain("\u001b").contains("call ../../etc/x\\x1b[31m: started");
    }

    @Test
    void aConnectionThatEndsWithoutStopStillLeavesItsRecording() throws Exception {
        byte[] ulaw = new byte[800];
        Arrays.fill(ulaw, (byte) 0x10);
        TinyphoneSide tinyphone = new TinyphoneSide(apps.recorder());
        tinyphone.connectedAndStart("1763900000.44", "1");
        tinyphone.media(ulaw);
        tinyphone.close();
        await().atMost(WAIT).until(() -> output().contains("the connection ended without stop: 5 frames (0.1 s) written to "
                + dir.resolve("1763900000.44.wav")));
    }

    @Test
    void messagesThatAreNotTwiliosAreIgnoredAndLoggedEscapedAndTheCallGoesOn() throws Exception {
        try (TinyphoneSide tinyphone = new TinyphoneSide(apps.echo())) {
            tinyphone.sendRaw("{\"event\":\"media\",\"media\":{\"payload\":\"gICA\"}}"); // before start
            tinyphone.sendRaw("not json \u001b[2J");
            tinyphone.sendRaw("[1,2]");
            tinyphone.sendBinary(new byte[] {1, 2, 3});
            tinyphone.connectedAndStart("1763900000.45", "1");
            tinyphone.sendRaw("{\"event\":\"media\",\"media\":{\"payload\":\"!!\"}}");
            tinyphone.sendRaw("{\"event\":\"reboot\"}");
            tinyphone.sendRaw("{\"event\":\"media\",\"media\":{\"payload\":\"" + "A".repeat(70_000) + "\"}}"); // over the limit: closes
            await().atMost(WAIT).until(() -> tinyphone.closeCode >= 0 || output().contains("stop"));
            assertThat(output()).contains("echo: ignored a message (media before start)")
                    .contains("echo: ignored a message (not JSON): not json \\x1b[2J")
                    .contains("echo: ignored a message (not a JSON object): [1,2]")
                    .contains("echo: ignored a message (a binary frame): 3 bytes")
                    .contains("echo: call 1763900000.45: ignored a message (media without a base64 payload)")
                    .doesNotContain("\u001b");
        }
        // the app is still there for the next call
        try (TinyphoneSide next = new TinyphoneSide(apps.echo())) {
            next.connectedAndStart("1763900000.46", "1");
            next.media(new byte[160]);
            await().atMost(WAIT).until(() -> next.mediaReceived().length == 4000 + 160);
        }
    }

    @Test
    void theCommandLineRefusesBadOptionsWithItsUsage() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(StreamApps.run(new String[] {"--delay", "90000"}, System.out, e)).isEqualTo(2);
        assertThat(StreamApps.run(new String[] {"--port"}, System.out, e)).isEqualTo(2);
        assertThat(StreamApps.run(new String[] {"--colour", "red"}, System.out, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--delay must be milliseconds from 0 to 30000: 90000")
                .contains("--port needs a value").contains("unknown argument: --colour").contains("./tinyphone examples streams --help tells its options.");
    }
}
