package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.ingress.AudioSocketIngress;
import org.tinyphone.sim.audio.AudioSocketCaller;

/**
 * What an app connected in at {@code /streams/<number>} can send before any call is bounded: a 100 MB message (text
 * in 64 KiB fragments, or binary) ends that connection with 1009 (too big) long before the server has
 * read it all, and the next app connects and waits as ever. And an app the server connects to that accepts the TCP
 * connection but never answers the WebSocket handshake costs a streamed call no more than {@code stream.connect-timeout}
 * per try: each try is given up on, its connection closed, counted, and the call goes on. An app that sends two minutes
 * of audio at once (faster than real time) fills the play buffer ({@code stream.play-buffer}, 60 s); the rest is dropped
 * and counted, and the stream goes on: a {@code clear} and a {@code mark} after the flood are answered.
 */
@Timeout(120)
class StreamAppLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NUMBER = AudioSocketIngress.UNKNOWN_NUMBER;
    private static final int PART = 64 * 1024;
    private static final int PARTS = 1600;   // 100 MB

    @Test
    void aHundredMegabyteMessageFromAWaitingAppClosesItWith1009AndTheNextAppWaits() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of());
             HttpClient http = HttpClient.newHttpClient()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port("http") + "/streams/" + NUMBER);
            String part = "x".repeat(PART);
            byte[] bytes = new byte[PART];
            for (boolean text : new boolean[] {true, false}) {
                StreamAppEndpointTest.App app = new StreamAppEndpointTest.App();
                WebSocket ws = http.newWebSocketBuilder().buildAsync(uri, app).get(10, TimeUnit.SECONDS);
                await().atMost(WAIT).until(() -> server.streams().inbound().waiting(NUMBER) == 1);
                int sent = 0;
                try {
                    for (; sent < PARTS && app.closeCode < 0; sent++) {
                        if (text) ws.sendText(part, false).get(10, TimeUnit.SECONDS);
                        else ws.sendBinary(ByteBuffer.wrap(bytes), false).get(10, TimeUnit.SECONDS);
                    }
                } catch (java.util.concurrent.ExecutionException closed) {
                    // the server closed the connection under our sends
                }
                await().atMost(WAIT).until(() -> app.closeCode >= 0 || ws.isInputClosed());
                // 1009 (too big) as a close frame, unless the close of the connection under our sends overtook it
                assertThat(app.closeCode).as(text ? "text" : "binary").isIn(1009, -1);
                assertThat(ws.isInputClosed() || app.closeCode == 1009).as("the server ended the connection").isTrue();
                assertThat(sent).as("the server stopped reading long before 100 MB").isLessThan(PARTS);
                ws.abort();
                await().atMost(WAIT).until(() -> server.streams().inbound().waiting(NUMBER) == 0);
            }
            StreamAppEndpointTest.App next = new StreamAppEndpointTest.App();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(uri, next).get(10, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> server.streams().inbound().waiting(NUMBER) == 1);
            ws.abort();
        }
    }

    @Test
    void anAppThatSendsTwoMinutesOfAudioAtOnceFillsThePlayBufferTheRestIsDroppedAndTheStreamGoesOn() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of());
             HttpClient http = HttpClient.newHttpClient()) {
            StreamAppEndpointTest.App app = new StreamAppEndpointTest.App();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port("http") + "/streams/"
                    + NUMBER), app).get(10, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> server.streams().inbound().waiting(NUMBER) == 1);
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                await().atMost(WAIT).until(() -> app.events("start").size() == 1);
                String sid = app.events("start").get(0).path("streamSid").asText();
                byte[] second = new byte[8000];   // one second of µ-law, 50 frames
                java.util.Arrays.fill(second, (byte) 0x55);
                String media = "{\"event\":\"media\",\"streamSid\":\"" + sid + "\",\"media\":{\"payload\":\""
                        + Base64.getEncoder().encodeToString(second) + "\"}}";
                for (int i = 0; i < 120; i++) ws.sendText(media, true).get(10, TimeUnit.SECONDS);
                await().atMost(WAIT).until(() -> dropped(server) > 0);
                ws.sendText("{\"event\":\"clear\",\"streamSid\":\"" + sid + "\"}", true).get(10, TimeUnit.SECONDS);
                ws.sendText("{\"event\":\"mark\",\"streamSid\":\"" + sid + "\",\"mark\":{\"name\":\"after-flood\"}}", true)
                        .get(10, TimeUnit.SECONDS);
                await().atMost(WAIT).until(() -> app.events("mark").stream()
                        .anyMatch(m -> m.path("mark").path("name").asText().equals("after-flood")));
                assertThat(dropped(server)).as("what did not fit the 60 s buffer: at least the second minute")
                        .isGreaterThanOrEqualTo(50 * 60 - 50);
                caller.hangUp();
                await().atMost(WAIT).until(() -> app.events("stop").size() == 1);
            }
            ws.abort();
        }
    }

    private static double dropped(TinyphoneServer server) throws Exception {
        return MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server), "tinyphone_stream_frames_dropped_total{direction=\"to-caller\"}");
    }

    @Test
    void anAppThatNeverAnswersTheHandshakeIsGivenUpOnAtTheConnectTimeoutEachTry() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger closedByUs = new AtomicInteger();
        try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!mute.isClosed()) {
                    try {
                        Socket s = mute.accept();
                        accepted.incrementAndGet();
                        Thread.ofVirtual().start(() -> {   // reads the upgrade request, answers nothing
                            try (s) {
                                while (s.getInputStream().read() >= 0) { }
                                closedByUs.incrementAndGet();
                            } catch (IOException e) {
                                closedByUs.incrementAndGet();
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of("stream.*", "ws://127.0.0.1:" + mute.getLocalPort()
                    + "/media", "stream.connect-timeout", "500ms", "stream.retries", "1", "stream.retry-delay", "100ms"))) {
                try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                    await().atMost(WAIT).until(() -> MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                            "tinyphone_stream_failed_total") == 2);
                    await().atMost(WAIT).until(() -> closedByUs.get() == 2);
                    assertThat(accepted.get()).as("one connection per try, none left open").isEqualTo(2);
                    caller.hangUp();
                }
                await().atMost(WAIT).until(() -> MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                        "tinyphone_stream_active") == 0);
            }
        }
    }
}
