package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.audio.codec.Resampler;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.WsTestClient;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.audio.AudioSocketCaller;
import org.tinyphone.sim.audio.Pcm;

/**
 * Clients of the native dialects listen to a call's audio ({@code listen}), over real sockets: a simulated AudioSocket
 * call (asterisk-sim's caller, sending a real Asterisk capture), native TCP and WebSocket clients. They hear exactly the
 * caller's audio in the format each asked for, its end before the call's hangup, and a client that reads nothing loses
 * frames but not its keys, its hangup or its connection.
 */
class ListenEndToEndTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    /** 4 s of the real EAGI capture (04c), slin 8 kHz. */
    static byte[] capture() throws Exception {
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            return java.util.Arrays.copyOf(Pcm.fromWav(in), 320 * 200);
        }
    }

    static String command(String id, String call, String rest) {
        return "{\"type\":\"command\",\"id\":\"" + id + "\",\"call\":\"" + call + "\"," + rest + "}";
    }

    static JsonNode next(TcpTestClient client, Predicate<JsonNode> wanted) throws Exception {
        while (true) {
            JsonNode n = client.json();
            if (wanted.test(n)) return n;
        }
    }

    static JsonNode next(WsTestClient client, Predicate<JsonNode> wanted) throws Exception {
        while (true) {
            JsonNode n = client.next();
            if (wanted.test(n)) return n;
        }
    }

    /** A TCP client watching {@code number}, its subscribe answered; {@code receiveBuffer}: SO_RCVBUF, or -1. */
    static TcpTestClient watching(TinyphoneServer server, String number, int receiveBuffer) throws Exception {
        TcpTestClient c = TcpTestClient.connect(server.port("clients"), receiveBuffer);
        c.send("{\"type\":\"subscribe\",\"number\":\"" + number + "\",\"id\":\"s\"}\n");
        next(c, reply("s"));
        return c;
    }

    /** Listens to {@code call} in {@code format}, which must be answered ok. */
    static void listen(TcpTestClient c, String id, String call, String format) throws Exception {
        c.send(command(id, call, "\"command\":\"listen\",\"format\":\"" + format + "\"") + "\n");
        JsonNode r = next(c, reply(id));
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
    }

    static Predicate<JsonNode> type(String type) {
        return n -> n.path("type").asText().equals(type);
    }

    static Predicate<JsonNode> reply(String id) {
        return n -> n.path("id").asText().equals(id);
    }

    /** What one client heard of one call: its audio frames in order, then what ended them. */
    static final class Heard {
        final List<JsonNode> frames = new ArrayList<>();
        final List<String> story = new ArrayList<>(); // keypress 5, audio_end hangup, hangup
        JsonNode end;

        void add(JsonNode m) {
            switch (m.path("type").asText()) {
                case "audio" -> {
                    assertThat(end).as("no frame after audio_end").isNull();
                    frames.add(m);
                }
                case "keypress" -> story.add("keypress " + m.path("value").asText());
                case "audio_end" -> {
                    end = m;
                    story.add("audio_end " + m.path("reason").asText());
                }
                case "hangup" -> story.add("hangup");
                default -> { }
            }
        }

        byte[] audio() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (JsonNode f : frames) out.writeBytes(Base64.getDecoder().decode(f.path("payload").asText()));
            return out.toByteArray();
        }
    }

    @Test
    void tcpAndWebSocketClientsHearTheCallersAudioExactlyInTheFormatEachAskedForThenItsEndThenTheHangup() throws Exception {
        byte[] pcm = capture();
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of());
             TcpTestClient slin = TcpTestClient.connect(server.port("clients"));
             TcpTestClient slin16 = TcpTestClient.connect(server.port("clients"));
             WsTestClient ulaw = WsTestClient.connect(server.port("http"))) {
            slin.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":\"s\"}\n");
            slin16.send("{\"type\":\"subscribe\",\"number\":\"unknown\",\"id\":\"s\"}\n");
            ulaw.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":\"s\"}");
            assertThat(next(slin, reply("s")).path("access").asText()).isEqualTo("full");
            next(slin16, reply("s"));
            next(ulaw, reply("s"));
            UUID uuid = UUID.randomUUID();
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), uuid)) {
                String call = next(slin, type("new_caller")).path("call").asText();
                next(slin16, type("new_caller"));
                next(ulaw, type("new_caller"));
                slin.send(command("l1", call, "\"command\":\"listen\",\"format\":\"slin\"") + "\n");
                slin16.send(command("l1", call, "\"command\":\"listen\",\"format\":\"slin16\"") + "\n");
                ulaw.send(command("l1", call, "\"command\":\"listen\"")); // µ-law unless asked otherwise
                JsonNode r = next(slin, reply("l1"));
                assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
                assertThat(r.path("value").asText()).isEqualTo("slin");
                assertThat(next(slin16, reply("l1")).path("value").asText()).isEqualTo("slin16");
                assertThat(next(ulaw, reply("l1")).path("value").asText()).isEqualTo("ulaw");

                caller.sendAudio(java.util.Arrays.copyOf(pcm, 320 * 100), AudioSocketCaller.Pacing.FAST);
                caller.sendDtmf("5");
                caller.sendAudio(java.util.Arrays.copyOfRange(pcm, 320 * 100, pcm.length), AudioSocketCaller.Pacing.FAST);
                await().atMost(WAIT).until(() -> MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                        "tinyphone_stream_client_frames_total{direction=\"to-client\"}") == 600);
                caller.hangUp();

                Heard a = new Heard();
                Heard b = new Heard();
                Heard c = new Heard();
                while (!a.story.contains("hangup")) a.add(slin.json());
                while (!b.story.contains("hangup")) b.add(slin16.json());
                while (!c.story.contains("hangup")) c.add(ulaw.next());
                for (Heard h : List.of(a, b, c)) {
                    // the key among the frames; the listen's end before the call's hangup, which is its last event
                    assertThat(h.story).containsExactly("keypress 5", "audio_end hangup", "hangup");
                    assertThat(h.frames).hasSize(200);
                    for (int i = 0; i < 200; i++) {
                        JsonNode f = h.frames.get(i);
                        assertThat(f.path("call").asText()).isEqualTo(call);
                        assertThat(f.path("number").asText()).isEqualTo("unknown");
                        assertThat(f.path("seq").asLong()).isEqualTo(i + 1);
                        assertThat(f.path("lost").asLong()).isZero();
                        assertThat(f.path("ts").asLong()).isPositive();
                    }
                    assertThat(h.end.path("frames").asLong()).isEqualTo(200);
                    assertThat(h.end.path("lost").asLong()).isZero();
                }
                assertThat(a.frames.get(0).path("format").asText()).isEqualTo("slin");
                assertThat(a.audio()).as("slin: the caller's samples as they came").isEqualTo(pcm);
                assertThat(b.audio()).as("slin16: the same signal at 16 kHz")
                        .isEqualTo(Resampler.upsampler().process(pcm, 0, pcm.length));
                byte[] mulaw = c.audio();
                assertThat(mulaw).as("ulaw: G.711 of the caller's samples").isEqualTo(Mulaw.fromPcm(pcm, 0, pcm.length));
                byte[] decoded = Mulaw.toPcm(mulaw, 0, mulaw.length);
                for (int i = 0; i < pcm.length; i += 2) { // after the µ-law round trip: within half a step of the sample
                    int was = (short) ((pcm[i] & 0xff) | pcm[i + 1] << 8);
                    int now = (short) ((decoded[i] & 0xff) | decoded[i + 1] << 8);
                    int halfStep = Integer.highestOneBit(Math.abs(was) + 132) >> 5; // G.711's step in that segment
                    assertThat(Math.abs(now - was)).isLessThanOrEqualTo(Math.max(4, halfStep));
                }
            }
            await().atMost(WAIT).until(() -> MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                    "tinyphone_stream_listeners") == 0);
        }
    }

    @Test
    void aListenEndsWithStopListenAndWithUnsubscribeAndIsRefusedOnACallWithoutAudioOrTwice() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of());
             TcpTestClient client = watching(server, "unknown", -1)) {
            client.send("{\"type\":\"subscribe\",\"number\":\"13605162099\",\"id\":\"s2\"}\n");
            next(client, reply("s2"));
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                String call = next(client, type("new_caller")).path("call").asText();
                listen(client, "l1", call, "slin");
                client.send(command("l2", call, "\"command\":\"listen\",\"format\":\"ulaw\"") + "\n");
                JsonNode twice = next(client, reply("l2"));
                assertThat(twice.path("ok").asBoolean()).isFalse();
                assertThat(twice.path("error").asText()).isEqualTo("listen: already listening to call " + call
                        + " (stop_listen first to change the format)");
                caller.sendAudio(new byte[320 * 3], AudioSocketCaller.Pacing.FAST);
                assertThat(next(client, type("audio")).path("seq").asLong()).isEqualTo(1);

                client.send(command("x1", call, "\"command\":\"stop_listen\"") + "\n");
                JsonNode end = next(client, n -> type("audio_end").test(n) || reply("x1").test(n));
                assertThat(end.path("type").asText()).as("the end comes before the result").isEqualTo("audio_end");
                assertThat(end.path("reason").asText()).isEqualTo("stopped");
                assertThat(end.path("frames").asLong()).isEqualTo(3);
                assertThat(next(client, reply("x1")).path("value").asText()).isEqualTo("slin");
                client.send(command("x2", call, "\"command\":\"stop_listen\"") + "\n");
                assertThat(next(client, reply("x2")).path("error").asText()).isEqualTo("stop_listen: not listening to call " + call);

                // listening again, then unsubscribing from the call's number ends it
                listen(client, "l3", call, "slin16");
                caller.sendAudio(new byte[320], AudioSocketCaller.Pacing.FAST);
                JsonNode again = next(client, type("audio"));
                assertThat(again.path("seq").asLong()).as("a new listen counts from 1").isEqualTo(1);
                assertThat(Base64.getDecoder().decode(again.path("payload").asText())).hasSize(640);
                client.send("{\"type\":\"unsubscribe\",\"number\":\"unknown\",\"id\":\"u\"}\n");
                JsonNode gone = next(client, type("audio_end"));
                assertThat(gone.path("reason").asText()).isEqualTo("unsubscribed");
                assertThat(next(client, reply("u")).path("type").asText()).isEqualTo("unsubscribed");
                caller.hangUp();
            }
            // a FastAGI call carries no audio: said at once
            Call agi = server.bridge().open(new CallInfo("1763900000.42", "15550001111", "", "13605162099", null, "",
                    "fastagi", Instant.now()), null);
            client.send(command("l4", agi.id(), "\"command\":\"listen\"") + "\n");
            JsonNode none = next(client, reply("l4"));
            assertThat(none.path("ok").asBoolean()).isFalse();
            assertThat(none.path("error").asText()).isEqualTo("listen: call 1763900000.42 has no audio (it came in over "
                    + "fastagi; audio comes over AudioSocket, ARI or the EAGI relay)");
            client.send(command("l5", agi.id(), "\"command\":\"listen\",\"format\":\"mp3\"") + "\n");
            JsonNode bad = next(client, reply("l5"));
            assertThat(bad.path("type").asText()).isEqualTo("error");
            assertThat(bad.path("code").asText()).isEqualTo("bad_command");
            assertThat(bad.path("message").asText()).startsWith("listen: format must be ulaw");
            agi.hangup("caller");
            await().atMost(WAIT).until(() -> MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                    "tinyphone_stream_listeners") == 0);
        }
    }
    @Test
    void aClientThatReadsNothingLosesAudioFramesButNoKeyNoHangupAndNotItsConnection() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of());
             TcpTestClient deaf = watching(server, "unknown", 4096)) {
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                String call = next(deaf, type("new_caller")).path("call").asText();
                listen(deaf, "l1", call, "slin16");
                // from here on the client reads nothing: the caller's audio (20 s at a time, as fast as the socket
                // takes it) fills its socket's buffers, then its queue for audio, until frames are dropped
                byte[] burst = new byte[320 * 1000];
                long frames = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (dropped(server) == 0 && System.nanoTime() < deadline) {
                    caller.sendAudio(burst, AudioSocketCaller.Pacing.FAST);
                    frames += 1000;
                    long sent = frames;
                    await().atMost(WAIT).until(() -> MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                            "tinyphone_stream_client_frames_total{direction=\"to-client\"}") + dropped(server) == sent);
                }
                assertThat(dropped(server)).as("frames were dropped for the client that reads nothing").isPositive();
                caller.sendDtmf("5");
                caller.sendAudio(burst, AudioSocketCaller.Pacing.FAST);
                frames += 1000;
                caller.sendDtmf("#");
                long total = frames;
                await().atMost(WAIT).until(() -> MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                        "tinyphone_stream_client_frames_total{direction=\"to-client\"}") + dropped(server) == total);
                caller.hangUp();
                await().atMost(WAIT).until(() -> server.bridge().find(call).isEmpty());

                // now it reads: every key and the hangup are there, in order; the frames say what they lost
                Heard heard = new Heard();
                long lost = 0;
                long seq = 0;
                while (!heard.story.contains("hangup")) {
                    JsonNode m = deaf.json();
                    if (type("audio").test(m)) {
                        lost += m.path("lost").asLong();
                        assertThat(m.path("seq").asLong()).as("seq counts lost frames too").isEqualTo(seq + 1 + m.path("lost").asLong());
                        seq = m.path("seq").asLong();
                    }
                    heard.add(m);
                }
                assertThat(heard.story).containsExactly("keypress 5", "keypress #", "audio_end hangup", "hangup");
                assertThat(heard.end.path("frames").asLong()).isEqualTo(total);
                assertThat(heard.end.path("lost").asLong()).isPositive().isEqualTo(total - heard.frames.size())
                        .isGreaterThanOrEqualTo(lost).isEqualTo((long) dropped(server));
                // still connected, still answered
                deaf.send("{\"type\":\"ping\",\"id\":\"p\"}\n");
                assertThat(next(deaf, reply("p")).path("type").asText()).isEqualTo("pong");
                assertThat(MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                        "tinyphone_client_disconnects_total{reason=\"overload\"}")).isZero();
            }
        }
    }

    private static double dropped(TinyphoneServer server) throws Exception {
        return MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                "tinyphone_stream_client_frames_dropped_total{direction=\"to-client\"}");
    }
}
