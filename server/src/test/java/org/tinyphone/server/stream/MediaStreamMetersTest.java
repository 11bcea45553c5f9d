package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.server.ingress.IngressPart;
import org.tinyphone.sim.audio.AudioSocketCaller;

/** The streams' counters as /metrics shows them, after calls streamed over real sockets. */
class MediaStreamMetersTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    static TinyphoneServer server(Map<String, String> settings) {
        Map<String, String> o = new HashMap<>();
        o.put("clients.bind", "127.0.0.1");
        o.put("clients.port", "0");
        o.put("http.bind", "127.0.0.1");
        o.put("http.port", "0");
        for (String l : List.of("relay", "fastagi")) o.put(l + ".enabled", "false");
        o.put("audiosocket.port", "0");
        o.put("sms.port", "0");
        o.putAll(settings);
        return TinyphoneServer.start(TinyphoneConfig.load(null, Map.of(), o), List.of(new IngressPart()));
    }

    static String metrics(TinyphoneServer server) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port("http") + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        }
    }

    static double value(String scrape, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void framesMarksBytesAndIgnoredMessagesOfAStreamedCallAreCounted() throws Exception {
        try (TwilioTestApp app = new TwilioTestApp();
             TinyphoneServer server = server(Map.of("stream.*", app.uri().toString()))) {
            String before = metrics(server);
            assertThat(value(before, "tinyphone_stream_started_total")).isZero();
            assertThat(value(before, "tinyphone_stream_frames_total{direction=\"to-app\"}")).isZero();

            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                await().atMost(WAIT).until(() -> !app.connections.isEmpty() && app.last().messages.size() >= 2);
                TwilioTestApp.Conn conn = app.last();
                await().atMost(WAIT).until(() -> value(metrics(server), "tinyphone_stream_active") == 1);
                caller.sendAudio(new byte[320 * 50], AudioSocketCaller.Pacing.FAST); // 1 s
                await().atMost(WAIT).until(() -> conn.events("media").size() == 50);
                // 10 frames back, a mark after them, and one message that is none of Twilio's
                conn.send("{\"event\":\"media\",\"media\":{\"payload\":\"" + Base64.getEncoder().encodeToString(new byte[1600]) + "\"}}");
                conn.send("{\"event\":\"mark\",\"mark\":{\"name\":\"m1\"}}");
                conn.send("not json");
                int frames = 0;
                while (frames < 10) {
                    AudioSocketCaller.Frame f = caller.readFrame(WAIT);
                    if (f.type() == AudioSocketCaller.AUDIO_8K) frames++;
                }
                await().atMost(WAIT).until(() -> conn.events("mark").size() == 1);
                caller.hangUp();
                await().atMost(WAIT).until(() -> conn.events("stop").size() == 1);
            }
            await().atMost(WAIT).until(() -> value(metrics(server), "tinyphone_stream_active") == 0);
            String after = metrics(server);
            assertThat(value(after, "tinyphone_stream_started_total")).isEqualTo(1);
            assertThat(value(after, "tinyphone_stream_frames_total{direction=\"to-app\"}")).isEqualTo(50);
            assertThat(value(after, "tinyphone_stream_frames_total{direction=\"to-caller\"}")).isEqualTo(10);
            assertThat(value(after, "tinyphone_stream_marks_total")).isEqualTo(1);
            assertThat(value(after, "tinyphone_stream_ignored_total")).isEqualTo(1);
            assertThat(value(after, "tinyphone_stream_frames_dropped_total{direction=\"to-app\"}")).isZero();
            assertThat(value(after, "tinyphone_stream_failed_total")).isZero();
            TwilioTestApp.Conn conn = app.last();
            long sent = conn.raw.stream().mapToLong(String::length).sum();
            assertThat(value(after, "tinyphone_stream_bytes_total{direction=\"to-app\"}")).isEqualTo(sent);
            assertThat(value(after, "tinyphone_stream_bytes_total{direction=\"from-app\"}")).isGreaterThan(1600 * 4 / 3);
        }
    }

    @Test
    void anAppThatIsDownCountsEachFailedConnectionAndEachRetry() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (TinyphoneServer server = server(Map.of("stream.*", "ws://127.0.0.1:" + closedPort + "/media",
                "stream.retries", "2", "stream.retry-delay", "100ms"))) {
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                await().atMost(WAIT).until(() -> value(metrics(server), "tinyphone_stream_failed_total") == 3);
                caller.hangUp();
            }
            await().atMost(WAIT).until(() -> value(metrics(server), "tinyphone_stream_active") == 0);
            String after = metrics(server);
            assertThat(value(after, "tinyphone_stream_started_total")).isEqualTo(1);
            assertThat(value(after, "tinyphone_stream_retried_total")).isEqualTo(2);
            assertThat(value(after, "tinyphone_stream_frames_total{direction=\"to-app\"}")).isZero();
        }
    }
}
