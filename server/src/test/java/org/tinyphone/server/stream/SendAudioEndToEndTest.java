package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.tinyphone.server.stream.ListenEndToEndTest.WAIT;
import static org.tinyphone.server.stream.ListenEndToEndTest.command;
import static org.tinyphone.server.stream.ListenEndToEndTest.next;
import static org.tinyphone.server.stream.ListenEndToEndTest.reply;
import static org.tinyphone.server.stream.ListenEndToEndTest.type;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.WsTestClient;
import org.tinyphone.sim.audio.AudioSocketCaller;
import org.tinyphone.sim.audio.Pcm;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * Clients of the native dialects send audio to a caller ({@code send_audio}, {@code clear_audio}), over real sockets: it
 * reaches the simulated AudioSocket caller frame by frame, in order, at real time; a call over the EAGI relay, and a
 * client that may only watch, are refused with the dialect's answers.
 */
class SendAudioEndToEndTest {

    private static String send(String id, String call, String format, byte[] audio) {
        return command(id, call, "\"command\":\"send_audio\",\"format\":\"" + format + "\",\"payload\":\""
                + Base64.getEncoder().encodeToString(audio) + "\"");
    }

    /** The next {@code n} audio frames the caller is sent, joined. */
    private static byte[] frames(AudioSocketCaller caller, int n) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int got = 0; got < n; ) {
            AudioSocketCaller.Frame f = caller.readFrame(WAIT);
            assertThat(f).as("frame %d of %d", got + 1, n).isNotNull();
            if (f.type() == AudioSocketCaller.AUDIO_8K) {
                out.writeBytes(f.payload());
                got++;
            }
        }
        return out.toByteArray();
    }

    @Test
    void audioSentBackReachesTheCallerInOrderAtRealTimeAndClearDropsWhatWaits() throws Exception {
        byte[] tone = Pcm.tone(440, Duration.ofSeconds(3), 8000);            // 150 frames of slin
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of());
             TcpTestClient client = ListenEndToEndTest.watching(server, "unknown", -1)) {
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                String call = next(client, type("new_caller")).path("call").asText();
                caller.sendAudio(new byte[320], AudioSocketCaller.Pacing.FAST); // the caller's audio: 8 kHz
                // 3 s in six pieces, sent at once: each answer says how much waits to be played after it
                long[] queued = new long[6];
                for (int i = 0; i < 6; i++) {
                    client.send(send("a" + i, call, "slin", Arrays.copyOfRange(tone, i * 8000, (i + 1) * 8000)) + "\n");
                    JsonNode r = next(client, reply("a" + i));
                    assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
                    queued[i] = Long.parseLong(r.path("value").asText());
                }
                // paced, not played at once: after the sixth piece most of the 3 s still waits (unless the machine
                // stalled for more than 1.5 s between the first and the last of six requests)
                assertThat(queued[5]).isGreaterThan(1500);
                assertThat(frames(caller, 150)).as("every sample, in order").isEqualTo(tone);

                // µ-law works as well, decoded for the caller; then 20 s more, and clear drops what still waits
                byte[] ulaw = Mulaw.fromPcm(tone, 0, 8000);
                client.send(send("u", call, "ulaw", ulaw) + "\n");
                assertThat(next(client, reply("u")).path("ok").asBoolean()).isTrue();
                assertThat(frames(caller, 25)).isEqualTo(Mulaw.toPcm(ulaw, 0, ulaw.length));
                byte[] long20s = Pcm.tone(300, Duration.ofSeconds(20), 8000);
                for (int i = 0; i < 40; i++) { // pieces of 0.5 s: a message is at most clients.max-line (16 KiB)
                    client.send(send("b" + i, call, "slin", Arrays.copyOfRange(long20s, i * 8000, (i + 1) * 8000)) + "\n");
                    assertThat(next(client, reply("b" + i)).path("ok").asBoolean()).isTrue();
                }
                byte[] first = frames(caller, 5);
                assertThat(first).isEqualTo(Arrays.copyOf(long20s, first.length));
                client.send(command("c", call, "\"command\":\"clear_audio\"") + "\n");
                JsonNode cleared = next(client, reply("c"));
                assertThat(cleared.path("ok").asBoolean()).isTrue();
                long droppedMs = Long.parseLong(cleared.path("value").asText());
                assertThat(droppedMs).as("most of the 20 s was still waiting").isGreaterThan(10_000);
                // what the caller got is the start of the 20 s, and nothing after what was dropped
                ByteArrayOutputStream played = new ByteArrayOutputStream();
                played.writeBytes(first);
                for (AudioSocketCaller.Frame f; (f = caller.readFrame(Duration.ofSeconds(1))) != null; ) {
                    if (f.type() == AudioSocketCaller.AUDIO_8K) played.writeBytes(f.payload());
                }
                byte[] got = played.toByteArray();
                assertThat(got).isEqualTo(Arrays.copyOf(long20s, got.length));
                long framesPlayed = got.length / 320;
                assertThat(framesPlayed + droppedMs / 20).as("each frame played or dropped, one maybe both").isBetween(1000L, 1001L);

                // a piece that does not fit the play buffer (60 s) as a whole is refused, none of it queued
                byte[] half = new byte[8000];
                for (int i = 0; i < 121; i++) {
                    client.send(send("m" + i, call, "slin", half) + "\n");
                    JsonNode r = next(client, reply("m" + i));
                    if (!r.path("ok").asBoolean()) {
                        assertThat(r.path("error").asText()).startsWith("send_audio: ").contains("do not fit")
                                .contains("stream.play-buffer").contains("nothing of it was queued");
                        break;
                    }
                    assertThat(i).as("refused past 60 s").isLessThan(120);
                }
                assertThat(MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                        "tinyphone_stream_client_frames_dropped_total{direction=\"from-client\"}")).isEqualTo(25);
                client.send(command("c2", call, "\"command\":\"clear_audio\"") + "\n");
                assertThat(next(client, reply("c2")).path("ok").asBoolean()).isTrue();

                // bad audio is said so
                client.send(command("bad", call, "\"command\":\"send_audio\",\"format\":\"slin\",\"payload\":\"AA==\"") + "\n");
                JsonNode odd = next(client, reply("bad"));
                assertThat(odd.path("code").asText()).isEqualTo("bad_command");
                assertThat(odd.path("message").asText()).isEqualTo("send_audio: slin audio must be whole 16-bit samples (1 bytes)");
                client.send(command("bad2", call, "\"command\":\"send_audio\",\"format\":\"slin\",\"payload\":\"%%\"") + "\n");
                assertThat(next(client, reply("bad2")).path("message").asText()).startsWith("send_audio: payload must be base64");
                client.send(command("bad3", call, "\"command\":\"send_audio\",\"payload\":\"AAAA\"") + "\n");
                assertThat(next(client, reply("bad3")).path("message").asText()).isEqualTo("missing field 'format'");
                caller.hangUp();
            }
        }
    }

    @Test
    void aRelayCallCarriesTheCallersAudioOnlySoAudioBackIsRefusedSayingWhy() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of("relay.enabled", "true", "relay.port", "0"));
             WsTestClient client = WsTestClient.connect(server.port("http"))) {
            client.send("{\"type\":\"subscribe\",\"number\":\"15553000001\",\"id\":\"s\"}");
            next(client, reply("s"));
            CompletableFuture<CallResult> placed = CompletableFuture.supplyAsync(() -> {
                try {
                    return Simulator.place(SimulatedCall.of("15553000001", "15550001111", "Carol", "")
                            .withTiming(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(4))
                            .withAudio(AudioSource.tone()), Via.RELAY, "127.0.0.1", server.port("relay"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            JsonNode caller = next(client, type("new_caller"));
            assertThat(caller.path("via").asText()).isEqualTo("relay");
            String call = caller.path("call").asText();
            client.send(command("l", call, "\"command\":\"listen\",\"format\":\"slin\""));
            assertThat(next(client, reply("l")).path("ok").asBoolean()).as("the caller's audio can be listened to").isTrue();
            assertThat(Base64.getDecoder().decode(next(client, type("audio")).path("payload").asText())).hasSize(320);
            client.send(send("a", call, "slin", new byte[320]));
            JsonNode refused = next(client, reply("a"));
            assertThat(refused.path("ok").asBoolean()).isFalse();
            assertThat(refused.path("error").asText()).isEqualTo("send_audio: call " + call + " came in over the EAGI relay, "
                    + "which carries the caller's audio only: no audio can go back to the caller");
            client.send(command("c", call, "\"command\":\"clear_audio\""));
            assertThat(next(client, reply("c")).path("error").asText()).startsWith("clear_audio: call " + call + " came in over the EAGI relay");
            assertThat(next(client, type("audio_end")).path("reason").asText()).isEqualTo("hangup");
            placed.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientThatMayOnlyWatchIsRefusedTheCallsAudioBothWaysOnBothDialects() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of("access.local", "watch"));
             TcpTestClient tcp = TcpTestClient.connect(server.port("clients"));
             WsTestClient ws = WsTestClient.connect(server.port("http"))) {
            tcp.send("{\"type\":\"subscribe\",\"number\":\"unknown\",\"id\":\"s\"}\n");
            ws.send("{\"type\":\"subscribe\",\"number\":\"unknown\",\"id\":\"s\"}");
            assertThat(next(tcp, reply("s")).path("access").asText()).isEqualTo("watch");
            assertThat(next(ws, reply("s")).path("access").asText()).isEqualTo("watch");
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                String call = next(tcp, type("new_caller")).path("call").asText();
                next(ws, type("new_caller"));
                caller.sendAudio(new byte[320 * 5], AudioSocketCaller.Pacing.FAST);
                tcp.send(command("l", call, "\"command\":\"listen\"") + "\n");
                ws.send(command("l", call, "\"command\":\"listen\""));
                ws.send(send("a", call, "ulaw", new byte[160]));
                for (JsonNode r : new JsonNode[] {next(tcp, reply("l")), next(ws, reply("l")), next(ws, reply("a"))}) {
                    assertThat(r.path("type").asText()).isEqualTo("error");
                    assertThat(r.path("code").asText()).isEqualTo("forbidden");
                    assertThat(r.path("message").asText()).contains("need a token").contains("access.local is watch");
                }
                caller.sendAudio(new byte[320 * 5], AudioSocketCaller.Pacing.FAST);
                caller.hangUp();
                // nothing of the call's audio came: its hangup is the next thing after the refusals
                assertThat(next(tcp, n -> !type("audio_level").test(n)).path("type").asText()).isEqualTo("hangup");
            }
            String scrape = MediaStreamMetersTest.metrics(server);
            assertThat(MediaStreamMetersTest.value(scrape, "tinyphone_stream_listens_total")).isZero();
            assertThat(MediaStreamMetersTest.value(scrape, "tinyphone_client_refusals_total")).isEqualTo(3);
            assertThat(MediaStreamMetersTest.value(scrape, "tinyphone_stream_client_frames_total{direction=\"from-client\"}")).isZero();
        }
    }
    @Test
    void aCallerAtSixteenKilohertzGetsTheAudioAtItsOwnRate() throws Exception {
        byte[] tone = Pcm.tone(500, Duration.ofMillis(400), 8000); // 20 frames at 8 kHz
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of());
             TcpTestClient client = ListenEndToEndTest.watching(server, "unknown", -1)) {
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                String call = next(client, type("new_caller")).path("call").asText();
                ListenEndToEndTest.listen(client, "l", call, "slin16");
                caller.sendFrame(0x12, new byte[640]); // slin at 16 kHz: heard, so the server knows the caller's rate
                assertThat(next(client, type("audio")).path("seq").asLong()).isEqualTo(1);
                client.send(send("a", call, "slin", tone) + "\n");
                assertThat(next(client, reply("a")).path("ok").asBoolean()).isTrue();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                while (got.size() < tone.length * 2) {
                    AudioSocketCaller.Frame f = caller.readFrame(WAIT);
                    assertThat(f.type()).as("16 kHz frames, as the caller's own").isEqualTo(0x12);
                    assertThat(f.payload()).hasSize(640);
                    got.writeBytes(f.payload());
                }
                assertThat(got.toByteArray()).isEqualTo(org.tinyphone.audio.codec.Resampler.upsampler().process(tone, 0, tone.length));
                caller.hangUp();
            }
        }
    }
}
