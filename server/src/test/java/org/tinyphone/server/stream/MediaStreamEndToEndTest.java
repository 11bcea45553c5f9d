package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.Subscriber;
import org.tinyphone.server.config.AddressAllowList;
import org.tinyphone.server.ingress.AudioSocketIngress;
import org.tinyphone.server.ingress.AudioSocketJoins;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.audio.AudioSocketCaller;
import org.tinyphone.sim.audio.Pcm;

/**
 * AudioSocket calls streamed to a Twilio Media Streams app over real sockets: the simulated Asterisk (asterisk-sim's
 * AudioSocketCaller) on one side, a WebSocket app built to Twilio's published messages on the other.
 */
class MediaStreamEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Bridge bridge = new Bridge();
    private final List<CallEvent> events = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MediaStreams streams;
    private AudioSocketIngress ingress;

    MediaStreamEndToEndTest() {
        bridge.subscribe(Bridge.ALL_NUMBERS, (Subscriber) events::add);
    }

    private void start(URI app, MediaStreams.Settings settings) throws Exception {
        streams = MediaStreams.of(Map.of("*", app), settings, Player.Ticker.SYSTEM);
        ingress = AudioSocketIngress.start(bridge, new AudioSocketJoins(), "127.0.0.1", 0, AddressAllowList.parse("127.0.0.1"),
                100, Duration.ofSeconds(5), streams);
    }

    private AudioSocketCaller call(UUID uuid) throws Exception {
        AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", ingress.port(), uuid);
        toClose.add(caller);
        return caller;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) c.close();
        if (ingress != null) ingress.close();
        bridge.close();
    }

    private List<CallEvent.Stream> streamEvents() {
        return events.stream().filter(e -> e instanceof CallEvent.Stream).map(e -> (CallEvent.Stream) e).toList();
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) names.add(it.next());
        return names;
    }

    private static byte[] wav() throws Exception {
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            return Pcm.fromWav(in);
        }
    }

    @Test
    void aCallStreamsTheCallersAudioKeysAndEndInTwiliosMessagesFieldByField() throws Exception {
        try (TwilioTestApp app = new TwilioTestApp()) {
            start(app.uri(), MediaStreams.Settings.defaults());
            UUID uuid = UUID.randomUUID();
            AudioSocketCaller caller = call(uuid);
            await().atMost(WAIT).until(() -> !app.connections.isEmpty() && app.last().messages.size() >= 2);
            byte[] pcm = java.util.Arrays.copyOf(wav(), 320 * 100); // 2 s of the real EAGI capture
            caller.sendAudio(java.util.Arrays.copyOf(pcm, 320 * 50), AudioSocketCaller.Pacing.FAST);
            caller.sendDtmf("7");
            caller.sendAudio(java.util.Arrays.copyOfRange(pcm, 320 * 50, pcm.length), AudioSocketCaller.Pacing.FAST);
            TwilioTestApp.Conn conn = app.last();
            await().atMost(WAIT).until(() -> conn.events("media").size() == 100 && conn.events("dtmf").size() == 1);
            caller.hangUp();
            await().atMost(WAIT).until(() -> conn.events("stop").size() == 1 && conn.closeCode >= 0);

            List<JsonNode> m = conn.messages;
            JsonNode connected = m.get(0);
            assertThat(fieldNames(connected)).containsExactly("event", "protocol", "version");
            assertThat(connected.get("protocol").asText()).isEqualTo("Call");
            assertThat(connected.get("version").asText()).isEqualTo("1.0.0");

            JsonNode start = m.get(1);
            String sid = start.get("streamSid").asText();
            assertThat(sid).matches("MZ[0-9a-f]{32}");
            assertThat(fieldNames(start)).containsExactlyInAnyOrder("event", "sequenceNumber", "start", "streamSid");
            assertThat(start.get("event").asText()).isEqualTo("start");
            JsonNode s = start.get("start");
            assertThat(fieldNames(s)).containsExactlyInAnyOrder("accountSid", "streamSid", "callSid", "tracks",
                    "customParameters", "mediaFormat");
            assertThat(s.get("accountSid").asText()).matches("AC[0-9a-f]{32}");
            assertThat(s.get("streamSid").asText()).isEqualTo(sid);
            assertThat(s.get("callSid").asText()).isEqualTo(uuid.toString());
            assertThat(s.get("tracks").toString()).isEqualTo("[\"inbound\"]");
            assertThat(s.get("mediaFormat").toString())
                    .isEqualTo("{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":8000,\"channels\":1}");
            JsonNode custom = s.get("customParameters");
            assertThat(custom.get("number").asText()).isEqualTo(AudioSocketIngress.UNKNOWN_NUMBER);
            assertThat(custom.get("via").asText()).isEqualTo("audiosocket");
            assertThat(custom.has("callerId")).isTrue();

            // sequenceNumber on every message after connected: strings counting from "1"
            for (int i = 1; i < m.size(); i++) {
                assertThat(m.get(i).get("sequenceNumber").asText()).as("message %d", i).isEqualTo(Integer.toString(i));
                assertThat(m.get(i).get("streamSid").asText()).isEqualTo(sid);
            }

            ByteArrayOutputStream streamed = new ByteArrayOutputStream();
            int chunk = 0;
            long lastTimestamp = -1;
            for (JsonNode media : conn.events("media")) {
                assertThat(fieldNames(media)).containsExactlyInAnyOrder("event", "sequenceNumber", "media", "streamSid");
                JsonNode body = media.get("media");
                assertThat(fieldNames(body)).containsExactlyInAnyOrder("track", "chunk", "timestamp", "payload");
                assertThat(body.get("track").asText()).isEqualTo("inbound");
                assertThat(body.get("chunk").asText()).isEqualTo(Integer.toString(++chunk));
                long ts = Long.parseLong(body.get("timestamp").asText());
                assertThat(ts).isGreaterThanOrEqualTo(lastTimestamp);
                lastTimestamp = ts;
                byte[] payload = Base64.getDecoder().decode(body.get("payload").asText());
                assertThat(payload).hasSize(160);
                streamed.writeBytes(payload);
            }
            // exactly the caller's audio, as µ-law carries it
            byte[] expected = Mulaw.toPcm(Mulaw.fromPcm(pcm, 0, pcm.length), 0, pcm.length / 2);
            assertThat(Mulaw.toPcm(streamed.toByteArray(), 0, streamed.size())).isEqualTo(expected);

            JsonNode dtmf = conn.events("dtmf").get(0);
            assertThat(fieldNames(dtmf)).containsExactlyInAnyOrder("event", "streamSid", "sequenceNumber", "dtmf");
            assertThat(dtmf.get("dtmf").toString()).isEqualTo("{\"track\":\"inbound_track\",\"digit\":\"7\"}");
            // the key came between the 50th and 51st chunk, as the caller sent it
            int dtmfAt = m.indexOf(dtmf);
            assertThat(m.get(dtmfAt - 1).path("media").path("chunk").asText()).isEqualTo("50");

            JsonNode stop = m.get(m.size() - 1);
            assertThat(stop.get("event").asText()).isEqualTo("stop");
            assertThat(fieldNames(stop)).containsExactlyInAnyOrder("event", "sequenceNumber", "streamSid", "stop");
            assertThat(stop.get("stop").get("callSid").asText()).isEqualTo(uuid.toString());
            assertThat(stop.get("stop").get("accountSid").asText()).isEqualTo(s.get("accountSid").asText());
            assertThat(conn.closeCode).isEqualTo(1000);
            await().atMost(WAIT).until(() -> streams.active() == 0);
            assertThat(streamEvents()).extracting(CallEvent.Stream::status).containsExactly("connected");
            assertThat(streamEvents().get(0).detail()).isEqualTo("ws://127.0.0.1:" + app.port() + "/media"); // no token
            // no stream.auth-token or stream.bearer-token: no headers of them
            assertThat(conn.headers).doesNotContainKeys("x-twilio-signature", "authorization");
        }
    }

    @Test
    void theHandshakeCarriesTwiliosSignatureOfTheUrlAndTheBearerTokenSoTheAppKnowsWhoCalls() throws Exception {
        try (TwilioTestApp app = new TwilioTestApp()) {
            streams = MediaStreams.of(Map.of("*", app.uri()), MediaStreams.Settings.defaults(),
                    new MediaStreams.Credentials("shared secret 123", "b3arer.token-XYZ"));
            ingress = AudioSocketIngress.start(bridge, new AudioSocketJoins(), "127.0.0.1", 0,
                    AddressAllowList.parse("127.0.0.1"), 100, Duration.ofSeconds(5), streams);
            AudioSocketCaller caller = call(UUID.randomUUID());
            await().atMost(WAIT).until(() -> !app.connections.isEmpty() && app.last().messages.size() >= 2);
            Map<String, String> headers = app.last().headers;
            // what a Twilio app checks (RequestValidator): Base64(HMAC-SHA1(auth token, the URL as configured, query
            // included)), there being no POST parameters on a WebSocket handshake
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
            mac.init(new javax.crypto.spec.SecretKeySpec("shared secret 123".getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            String url = "ws://127.0.0.1:" + app.port() + "/media?token=s3cret";
            String expected = Base64.getEncoder().encodeToString(mac.doFinal(url.getBytes(StandardCharsets.UTF_8)));
            assertThat(headers.get("x-twilio-signature")).isEqualTo(expected);
            assertThat(headers.get("authorization")).isEqualTo("Bearer b3arer.token-XYZ");
            assertThat(headers.values()).noneMatch(v -> v.contains("shared secret")); // the key itself is never sent
            caller.hangUp();
        }
    }

    @Test
    void theAppsAudioReachesTheCallerAsFramesAndItsMarkComesBackAfterIt() throws Exception {
        try (TwilioTestApp app = new TwilioTestApp()) {
            start(app.uri(), MediaStreams.Settings.defaults());
            AudioSocketCaller caller = call(UUID.randomUUID());
            await().atMost(WAIT).until(() -> !app.connections.isEmpty() && app.last().messages.size() >= 2);
            TwilioTestApp.Conn conn = app.last();
            String sid = conn.messages.get(1).get("streamSid").asText();
            byte[] pcm = java.util.Arrays.copyOf(wav(), 320 * 25);
            byte[] ulaw = Mulaw.fromPcm(pcm, 0, pcm.length);
            // half a second in one message, as bots often send it, then a mark
            conn.send("{\"event\":\"media\",\"streamSid\":\"" + sid + "\",\"media\":{\"payload\":\""
                    + Base64.getEncoder().encodeToString(ulaw) + "\"}}");
            conn.send("{\"event\":\"mark\",\"streamSid\":\"" + sid + "\",\"mark\":{\"name\":\"greeting done\"}}");
            ByteArrayOutputStream heard = new ByteArrayOutputStream();
            int frames = 0;
            while (frames < 25) {
                AudioSocketCaller.Frame f = caller.readFrame(WAIT);
                assertThat(f).isNotNull();
                assertThat(f.type()).isEqualTo(AudioSocketCaller.AUDIO_8K);
                assertThat(f.payload()).hasSize(320);
                heard.writeBytes(f.payload());
                frames++;
            }
            assertThat(heard.toByteArray()).isEqualTo(Mulaw.toPcm(ulaw, 0, ulaw.length));
            await().atMost(WAIT).until(() -> conn.events("mark").size() == 1);
            JsonNode mark = conn.events("mark").get(0);
            assertThat(fieldNames(mark)).containsExactlyInAnyOrder("event", "sequenceNumber", "streamSid", "mark");
            assertThat(mark.get("mark").toString()).isEqualTo("{\"name\":\"greeting done\"}");
            assertThat(mark.get("streamSid").asText()).isEqualTo(sid);
        }
    }

    @Test
    void clearDropsTheQueuedAudioAndAnswersItsMark() throws Exception {
        try (TwilioTestApp app = new TwilioTestApp()) {
            start(app.uri(), MediaStreams.Settings.defaults());
            AudioSocketCaller caller = call(UUID.randomUUID());
            await().atMost(WAIT).until(() -> !app.connections.isEmpty() && app.last().messages.size() >= 2);
            TwilioTestApp.Conn conn = app.last();
            byte[] tenSeconds = new byte[8000 * 10];
            java.util.Arrays.fill(tenSeconds, (byte) 0x80);
            conn.send("{\"event\":\"media\",\"media\":{\"payload\":\"" + Base64.getEncoder().encodeToString(tenSeconds) + "\"}}");
            conn.send("{\"event\":\"mark\",\"mark\":{\"name\":\"long\"}}");
            assertThat(caller.readFrame(WAIT)).isNotNull(); // it started playing
            conn.send("{\"event\":\"clear\"}");
            await().atMost(WAIT).until(() -> conn.events("mark").size() == 1);
            assertThat(conn.events("mark").get(0).get("mark").get("name").asText()).isEqualTo("long");
            // what the caller got in all: far less than the 500 frames sent, and nothing more comes
            int frames = 1;
            while (caller.readFrame(Duration.ofMillis(500)) != null) frames++;
            assertThat(frames).isLessThan(500);
        }
    }

    @Test
    void anAppThatSendsGarbageIsIgnoredMessageByMessageAndTheStreamGoesOn() throws Exception {
        try (TwilioTestApp app = new TwilioTestApp()) {
            start(app.uri(), new MediaStreams.Settings(3, Duration.ofSeconds(2), Duration.ofSeconds(5), 250, 3000, 1000, 65536));
            AudioSocketCaller caller = call(UUID.randomUUID());
            await().atMost(WAIT).until(() -> !app.connections.isEmpty() && app.last().messages.size() >= 2);
            TwilioTestApp.Conn conn = app.last();
            conn.send("this is not json \u001b[31m");
            conn.sendBinary(new byte[] {1, 2, 3});
            conn.send("{\"event\":\"media\",\"media\":{\"payload\":\"!!not base64!!\"}}");
            conn.send("{\"event\":\"media\"}");
            conn.send("{\"event\":\"mark\",\"mark\":{}}");
            conn.send("{\"event\":\"reboot\"}");
            conn.send("[1,2,3]");
            conn.send("{\"event\":\"media\",\"media\":{\"payload\":\"" + "A".repeat(200_000) + "\"}}"); // over 64 KiB
            conn.send("{\"event\":\"media\",\"media\":{\"payload\":\"" + Base64.getEncoder().encodeToString(new byte[160]) + "\"}}");
            conn.send("{\"event\":\"mark\",\"mark\":{\"name\":\"still here\"}}");
            await().atMost(WAIT).until(() -> conn.events("mark").size() == 1);
            assertThat(streams.ignoredFromApp()).isEqualTo(8);
            AudioSocketCaller.Frame f = caller.readFrame(WAIT);
            assertThat(f.payload()).hasSize(320); // the one good frame played
            assertThat(streamEvents()).extracting(CallEvent.Stream::status).containsExactly("connected");
            assertThat(app.connections).hasSize(1);
        }
    }

    @Test
    void anAppThatIsDownAtCallStartIsReportedAndTriedAgainUntilItIsUp() throws Exception {
        int port;
        try (ServerSocket reserve = new ServerSocket(0)) {
            port = reserve.getLocalPort();
        }
        start(URI.create("ws://127.0.0.1:" + port + "/media"),
                new MediaStreams.Settings(20, Duration.ofMillis(200), Duration.ofSeconds(2), 250, 3000, 1000, 65536));
        UUID uuid = UUID.randomUUID();
        call(uuid);
        await().atMost(WAIT).until(() -> !streamEvents().isEmpty());
        CallEvent.Stream error = streamEvents().get(0);
        assertThat(error.status()).isEqualTo("error");
        assertThat(error.callId()).isEqualTo(uuid.toString());
        assertThat(error.detail()).startsWith("cannot connect to ws://127.0.0.1:" + port + "/media: ")
                .contains("trying again in 200 ms (1 of 20)");
        try (TwilioTestApp app = new TwilioTestApp(port)) {
            await().atMost(WAIT).until(() -> !app.connections.isEmpty() && app.last().messages.size() >= 2);
            assertThat(app.last().messages.get(1).get("start").get("callSid").asText()).isEqualTo(uuid.toString());
            await().atMost(WAIT).until(() -> streamEvents().get(streamEvents().size() - 1).status().equals("connected"));
        }
    }

    @Test
    void anAppThatClosesMidCallIsReportedAndANewStreamStarts() throws Exception {
        try (TwilioTestApp app = new TwilioTestApp()) {
            start(app.uri(), new MediaStreams.Settings(1, Duration.ofMillis(100), Duration.ofSeconds(2), 250, 3000, 1000, 65536));
            call(UUID.randomUUID());
            await().atMost(WAIT).until(() -> !app.connections.isEmpty() && app.last().messages.size() >= 2);
            TwilioTestApp.Conn first = app.last();
            first.close();
            await().atMost(WAIT).until(() -> app.connections.size() == 2 && app.last().messages.size() >= 2);
            TwilioTestApp.Conn second = app.last();
            assertThat(second.messages.get(0).get("event").asText()).isEqualTo("connected");
            assertThat(second.messages.get(1).get("sequenceNumber").asText()).isEqualTo("1");
            assertThat(second.messages.get(1).get("streamSid").asText())
                    .isNotEqualTo(first.messages.get(1).get("streamSid").asText());
            assertThat(streamEvents()).extracting(CallEvent.Stream::status).containsExactly("connected", "error", "connected");
            assertThat(streamEvents().get(1).detail()).isEqualTo("the app closed the stream (1000 bye); trying again in 100 ms (1 of 1)");
            second.close(); // the one retry is used up
            await().atMost(WAIT).until(() -> streamEvents().size() == 4);
            assertThat(streamEvents().get(3).detail()).endsWith("; not trying again during this call");
        }
    }

    @Test
    void anAppThatNeverReadsNeitherSlowsTheCallNorKeepsItsStreamAfterTheHangup() throws Exception {
        try (ServerSocket deaf = new ServerSocket()) {
            deaf.setReceiveBufferSize(4096);
            deaf.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            List<Socket> accepted = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    Socket s = deaf.accept();
                    accepted.add(s);
                    handshakeThenNeverRead(s);
                } catch (Exception e) {
                    // the test ends
                }
            });
            start(URI.create("ws://127.0.0.1:" + deaf.getLocalPort() + "/media"),
                    new MediaStreams.Settings(0, Duration.ofSeconds(2), Duration.ofSeconds(2), 10, 3000, 1000, 65536));
            AudioSocketCaller caller = call(UUID.randomUUID());
            await().atMost(WAIT).until(() -> streams.active() == 1 && streamEvents().size() == 1);
            caller.sendTone(440, Duration.ofSeconds(60), 8000, AudioSocketCaller.Pacing.FAST);
            caller.sendDtmf("5");
            // the call kept up: the key after a minute of audio arrived, every level of that minute with it
            await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e instanceof CallEvent.Keypress));
            long levels = events.stream().filter(e -> e instanceof CallEvent.AudioLevel).count();
            assertThat(levels).isEqualTo(60 * 8000 / 528);
            assertThat(streams.droppedToApp()).isGreaterThan(1000);
            caller.hangUp();
            await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e instanceof CallEvent.Hangup));
            await().atMost(WAIT).until(() -> streams.active() == 0); // given up after the grace, without stop
            for (Socket s : accepted) s.close();
        }
    }

    /** Answers the WebSocket upgrade (RFC 6455) and then reads nothing more. */
    private static void handshakeThenNeverRead(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) head.append((char) in.read());
        String key = head.toString().lines().filter(l -> l.toLowerCase().startsWith("sec-websocket-key:"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow();
        String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
