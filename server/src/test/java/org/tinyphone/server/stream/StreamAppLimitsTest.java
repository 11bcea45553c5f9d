package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.ingress.AudioSocketIngress;

/**
 * What an app connected in at {@code /streams/<number>} can send before any call is bounded: a 100 MB message (text
 * in 64 KiB fragments, or one binary message) ends that connection with 1009 (too big) long before the server has
 * read it all, and the next app connects and waits as ever.
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
                assertThat(app.closeCode).as(text ? "text" : "binary").isEqualTo(1009);
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
}
