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
 * per try: each try is given up on, its connection closed, counted, and the call goes on.
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
