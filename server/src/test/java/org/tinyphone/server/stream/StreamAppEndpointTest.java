package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.ingress.AudioSocketIngress;
import org.tinyphone.sim.audio.AudioSocketCaller;

/**
 * Apps that connect in to the HTTP port's /streams/NUMBER (the app is the WebSocket client, as a Twilio app behind a
 * NAT would prefer): they wait for a call, get it in Twilio's messages, send audio back; who may connect is checked.
 */
class StreamAppEndpointTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NUMBER = AudioSocketIngress.UNKNOWN_NUMBER; // an AudioSocket call of its own UUID dials it
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WebSocket> open = new ArrayList<>();

    @AfterEach
    void close() {
        open.forEach(WebSocket::abort);
        http.close();
    }

    /** A Twilio Media Streams app as a WebSocket client: keeps every message. */
    static final class App implements WebSocket.Listener {
        final List<JsonNode> messages = new CopyOnWriteArrayList<>();
        volatile int closeCode = -1;
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    messages.add(JSON.readTree(text.toString()));
                } catch (Exception e) {
                    throw new AssertionError("not JSON: " + text, e);
                }
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closeCode = statusCode;
            return null;
        }

        List<JsonNode> events(String event) {
            return messages.stream().filter(m -> m.path("event").asText().equals(event)).toList();
        }
    }

    private WebSocket connect(TinyphoneServer server, String path, App app, Map<String, String> headers) throws Exception {
        WebSocket.Builder b = http.newWebSocketBuilder();
        headers.forEach(b::header);
        WebSocket ws = b.buildAsync(URI.create("ws://127.0.0.1:" + server.port("http") + path), app).get(10, TimeUnit.SECONDS);
        open.add(ws);
        return ws;
    }

    private static int refusedWith(ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
        return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
    }

    @Test
    void anAppConnectedInTakesTheNextCallGetsTwiliosMessagesAndPlaysAudioBack() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of())) {
            App first = new App();
            App second = new App();
            WebSocket ws = connect(server, "/streams/" + NUMBER, first, Map.of());
            connect(server, "/streams/" + NUMBER, second, Map.of());
            InboundApps inbound = server.streams().inbound();
            await().atMost(WAIT).until(() -> inbound.waiting(NUMBER) == 2);
            UUID uuid = UUID.randomUUID();
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), uuid)) {
                // the app that waited longest takes the call; the other one waits on
                await().atMost(WAIT).until(() -> first.messages.size() >= 2);
                assertThat(inbound.waiting(NUMBER)).isEqualTo(1);
                assertThat(second.messages).isEmpty();
                assertThat(first.messages.get(0).toString()).isEqualTo("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
                JsonNode start = first.messages.get(1);
                assertThat(start.path("start").path("callSid").asText()).isEqualTo(uuid.toString());
                String sid = start.path("streamSid").asText();
                byte[] pcm = new byte[320 * 10];
                for (int i = 0; i < pcm.length; i += 2) pcm[i + 1] = (byte) (i % 50); // not silence
                caller.sendAudio(pcm, AudioSocketCaller.Pacing.FAST);
                await().atMost(WAIT).until(() -> first.events("media").size() == 10);
                byte[] streamed = new byte[0];
                for (JsonNode m : first.events("media")) {
                    byte[] p = Base64.getDecoder().decode(m.path("media").path("payload").asText());
                    byte[] joined = java.util.Arrays.copyOf(streamed, streamed.length + p.length);
                    System.arraycopy(p, 0, joined, streamed.length, p.length);
                    streamed = joined;
                }
                assertThat(Mulaw.toPcm(streamed, 0, streamed.length)).isEqualTo(Mulaw.toPcm(Mulaw.fromPcm(pcm, 0, pcm.length), 0, pcm.length / 2));

                // audio back, then a mark after it
                byte[] back = Mulaw.fromPcm(pcm, 0, 320 * 3);
                ws.sendText("{\"event\":\"media\",\"streamSid\":\"" + sid + "\",\"media\":{\"payload\":\""
                        + Base64.getEncoder().encodeToString(back) + "\"}}", true).get(10, TimeUnit.SECONDS);
                ws.sendText("{\"event\":\"mark\",\"streamSid\":\"" + sid + "\",\"mark\":{\"name\":\"after\"}}", true)
                        .get(10, TimeUnit.SECONDS);
                int frames = 0;
                while (frames < 3) {
                    AudioSocketCaller.Frame f = caller.readFrame(WAIT);
                    if (f.type() == AudioSocketCaller.AUDIO_8K) frames++;
                }
                await().atMost(WAIT).until(() -> first.events("mark").size() == 1);
                assertThat(first.events("mark").get(0).path("mark").path("name").asText()).isEqualTo("after");
                caller.hangUp();
                await().atMost(WAIT).until(() -> first.events("stop").size() == 1 && first.closeCode == 1000);
            }
            assertThat(second.messages).isEmpty();
            assertThat(inbound.waiting(NUMBER)).isEqualTo(1);
        }
    }

    @Test
    void anAppAtStarTakesCallsOfEveryNumberWhenNoneWaitsForTheNumberItself() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of())) {
            App any = new App();
            connect(server, "/streams/*", any, Map.of());
            await().atMost(WAIT).until(() -> server.streams().inbound().waiting("*") == 1);
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                await().atMost(WAIT).until(() -> any.messages.size() >= 2);
                caller.hangUp();
                await().atMost(WAIT).until(() -> any.events("stop").size() == 1);
            }
            App waiting = new App();
            connect(server, "/streams/" + NUMBER, waiting, Map.of());
            await().atMost(WAIT).until(() -> server.streams().inbound().waiting(NUMBER) == 1);
        }
    }

    @Test
    void theNumbersTokenAnOriginOfAnotherPageAndANonNumberAreCheckedAtTheHandshake() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of("token." + NUMBER, "s3cret"))) {
            ExecutionException none = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> connect(server, "/streams/" + NUMBER, new App(), Map.of()));
            assertThat(refusedWith(none)).isEqualTo(403);
            ExecutionException wrong = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> connect(server, "/streams/" + NUMBER + "?token=guess", new App(), Map.of()));
            assertThat(refusedWith(wrong)).isEqualTo(403);
            ExecutionException page = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> connect(server, "/streams/" + NUMBER + "?token=s3cret", new App(), Map.of("Origin", "https://evil.example")));
            assertThat(refusedWith(page)).isEqualTo(403);
            ExecutionException notANumber = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> connect(server, "/streams/1*2", new App(), Map.of()));
            assertThat(refusedWith(notANumber)).isEqualTo(404);
            assertThat(server.streams().inbound().waiting(NUMBER)).isZero();

            App byQuery = new App();
            connect(server, "/streams/" + NUMBER + "?token=s3cret", byQuery, Map.of());
            App byHeader = new App();
            connect(server, "/streams/" + NUMBER, byHeader, Map.of("Authorization", "Bearer s3cret"));
            await().atMost(WAIT).until(() -> server.streams().inbound().waiting(NUMBER) == 2);
        }
    }
}
