package org.tinyphone.server.socketio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

/**
 * socket.io on the HTTP port, byte for byte over Engine.IO's polling transport, as a socket.io client speaks it:
 * the handshake, {@code setup}, and the original hub's events as socket.io EVENT packets, for Engine.IO 4
 * (socket.io 3.x/4.x clients) and 3 (1.x/2.x clients); then what Tinyphone's rules refuse.
 */
class SocketIoPollingTest {
    static final String NUMBER = "13605162099";
    static final Pattern SID = Pattern.compile("\"sid\": ?\"([^\"]+)\"");
    final HttpClient http = HttpClient.newHttpClient();
    ServerFixture fx;

    @AfterEach
    void stop() {
        http.close();
        if (fx != null) fx.close();
    }

    String base() { return "http://127.0.0.1:" + fx.httpPort() + "/socket.io/"; }

    HttpResponse<String> get(String query, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "?" + query)).timeout(Duration.ofSeconds(30));
        headers.forEach(b::header);
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String query, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + "?" + query)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/plain;charset=UTF-8").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String sid(String body) {
        Matcher m = SID.matcher(body);
        assertThat(m.find()).as(body).isTrue();
        return m.group(1);
    }

    Call place(String id) {
        return fx.bridge().open(new CallInfo(id, "+15550001111", "Carol", NUMBER, List.of("red", "a b"), "", "fastagi",
                Instant.now()), null);
    }

    @Test
    void engineIo4HandshakeSetupAndTheHubsEventsAsEventPackets() throws Exception {
        fx = ServerFixture.start();
        HttpResponse<String> open = get("EIO=4&transport=polling&t=a1", Map.of());
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(open.body()).startsWith("0{").contains("\"upgrades\": [\"websocket\"]").contains("\"pingInterval\": 25000");
        String q = "EIO=4&transport=polling&sid=" + sid(open.body());
        assertThat(post(q, "40").body()).isEqualTo("ok");                    // CONNECT to the main namespace
        assertThat(get(q, Map.of()).body()).matches("40\\{\"sid\":\"[^\"]+\"}");
        assertThat(post(q, "42[\"setup\",{\"id\":\"1763900000.5\",\"phoneNumber\":\"" + NUMBER + "\"}]").body()).isEqualTo("ok");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.bridge().subscriberCount(NUMBER) == 1);

        Call call = place("1763.1");
        call.audioLevel(812);  // volatile: the new_call still waits for the client's next poll, so this one is dropped
        call.keypress('5');
        call.hangup("caller");
        fx.bridge().sms(NUMBER, "+15550002222", "hi, you: {x}");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.server.metrics().scrape()
                .contains("tinyphone_client_audio_levels_dropped_total 1.0"));
        String events = "";
        while (!events.contains("sms")) events += (events.isEmpty() ? "" : "\u001e") + get(q, Map.of()).body();
        String[] packets = events.split("\u001e");
        assertThat(packets[0]).isEqualTo("42[\"new_call\",{\"id\":\"1763.1\",\"event\":\"new_call\",\"value\":\"15550001111|red|a%20b\"}]");
        assertThat(packets[1]).isEqualTo("42[\"keypress\",{\"id\":\"1763.1\",\"event\":\"keypress\",\"value\":\"5\"}]");
        assertThat(packets[2]).isEqualTo("42[\"hangup\",{\"id\":\"1763.1\",\"event\":\"hangup\",\"value\":\"0\"}]");
        assertThat(packets[3]).matches("42\\[\"sms\",\\{\"id\":\"\\d+\\.\\d+\",\"event\":\"sms\",\"value\":\"15550002222\\|hi%2C%20you%3A%20%7Bx%7D\"}]");
        assertThat(packets).hasSize(4);

        // a level while nothing waits for the client goes out, on the poll that is already open
        Call second = place("1763.2");
        assertThat(get(q, Map.of()).body()).contains("\"new_call\"");
        var poll = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return get(q, Map.of()).body();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300); // let the poll arrive first (if it does not, the level is dropped and the test fails)
        second.audioLevel(77);
        assertThat(poll.get(30, java.util.concurrent.TimeUnit.SECONDS))
                .isEqualTo("42[\"audio_level\",{\"id\":\"1763.2\",\"event\":\"audio_level\",\"value\":\"77\"}]");
        assertThat(fx.server.clients().count("socketio")).isEqualTo(1);
    }

    @Test
    void engineIo3ClientsAreConnectedAtOnceAndGetLengthPrefixedPayloads() throws Exception {
        fx = ServerFixture.start();
        HttpResponse<String> open = get("EIO=3&transport=polling&t=b1", Map.of());
        assertThat(open.body()).matches("\\d+:0\\{.*\\}");
        String q = "EIO=3&transport=polling&sid=" + sid(open.body());
        // socket.io 2: connected to "/" without asking (the library adds the socket's id, which 1.x/2.x clients ignore)
        assertThat(get(q, Map.of()).body()).matches("\\d+:40(\\{\"sid\":\"[^\"]+\"})?");
        String setup = "42[\"setup\",{\"id\":\"x\",\"phoneNumber\":" + NUMBER + "}]";     // a number, not a string
        assertThat(post(q, setup.length() + ":" + setup).body()).isEqualTo("ok");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.bridge().subscriberCount(NUMBER) == 1);
        place("17.3").keypress('#');
        String payload = "";
        while (!payload.contains("keypress")) payload += get(q, Map.of()).body();
        String newCall = "42[\"new_call\",{\"id\":\"17.3\",\"event\":\"new_call\",\"value\":\"15550001111|red|a%20b\"}]";
        String key = "42[\"keypress\",{\"id\":\"17.3\",\"event\":\"keypress\",\"value\":\"#\"}]";
        assertThat(payload).isEqualTo(newCall.length() + ":" + newCall + key.length() + ":" + key);
    }

    @Test
    void theSocketIoScriptIsServedFromTheWebjar() throws Exception {
        fx = ServerFixture.start();
        HttpResponse<String> js = http.send(HttpRequest.newBuilder(URI.create(base() + "socket.io.js")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("content-type").orElse("")).startsWith("application/javascript");
        try (var webjar = getClass().getClassLoader().getResourceAsStream(
                "META-INF/resources/webjars/socket.io-client/2.0.3/dist/socket.io.js")) {
            assertThat(js.body()).isEqualTo(new String(webjar.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        String tag = js.headers().firstValue("etag").orElseThrow();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base() + "socket.io.js")).header("If-None-Match", tag).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(304);
    }

    @Test
    void originsTokensBodiesQueriesAndCapsFollowTheRulesOfEveryClient() throws Exception {
        fx = ServerFixture.start(Map.of("http.allowed-origins", "http://screen.example:8080", "token.19995550000", "s3cret",
                "http.max-connections", "3", "clients.max-line", "1024"));
        // a page from a foreign origin: refused; from an allowed one: CORS headers for it
        HttpResponse<String> foreign = get("EIO=4&transport=polling", Map.of("Origin", "http://evil.example"));
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.body()).contains("may not open");
        HttpResponse<String> allowed = get("EIO=4&transport=polling", Map.of("Origin", "http://screen.example:8080"));
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("access-control-allow-origin")).contains("http://screen.example:8080");
        assertThat(allowed.headers().firstValue("access-control-allow-credentials")).contains("true");
        // queries the library would choke on
        assertThat(get("transport=polling", Map.of()).statusCode()).isEqualTo(400);
        assertThat(get("EIO=4&EIO=4&transport=polling", Map.of()).statusCode()).isEqualTo(400);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base())).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(400);
        // a body over clients.max-line
        String q = "EIO=4&transport=polling&sid=" + sid(allowed.body());
        assertThat(post(q, "42[\"setup\",\"" + "x".repeat(2000) + "\"]").statusCode()).isEqualTo(413);
        // a number with a token: setup's id must be the token
        post(q, "40");
        get(q, Map.of());
        post(q, "42[\"setup\",{\"id\":\"guess\",\"phoneNumber\":\"19995550000\"}]");
        post(q, "42[\"setup\",{\"id\":\"s3cret\",\"phoneNumber\":\"2222\"}]"); // another number's token: an ordinary id here
        post(q, "42[\"setup\",{\"id\":\"plain-id\",\"phoneNumber\":\"3333\"}]");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.bridge().subscriberCount("3333") == 1);
        assertThat(fx.bridge().subscriberCount("19995550000")).isZero();
        assertThat(fx.bridge().subscriberCount("2222")).isEqualTo(1);
        post(q, "42[\"setup\",{\"id\":\"s3cret\",\"phoneNumber\":\"19995550000\"}]");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.bridge().subscriberCount("19995550000") == 1);
        // socket.io clients at once: http.max-connections (3); this one and two more, then no more
        get("EIO=4&transport=polling", Map.of());
        get("EIO=4&transport=polling", Map.of());
        HttpResponse<String> full = get("EIO=4&transport=polling", Map.of());
        assertThat(full.statusCode()).isEqualTo(503);
        assertThat(full.body()).contains("http.max-connections");
    }
}
