package org.tinyphone.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.WsTestClient;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

class HttpEndpointsTest {
    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsCountCallsEventsAndClientsByDialect() throws Exception {
        try (ServerFixture fx = ServerFixture.start(); WsTestClient ws = WsTestClient.connect(fx.httpPort())) {
            ws.expect("hello");
            Call call = fx.bridge().open(new CallInfo("m.1", "1", "", "100", List.of(), "", "test", Instant.now()), null);
            call.keypress('1');
            call.keypress('2');
            fx.bridge().open(new CallInfo("m.2", "1", "", "100", List.of(), "", "test", Instant.now()), null);
            call.hangup("caller");

            HttpResponse<String> r = get(fx.httpPort(), "/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
            assertThat(r.body()).contains(
                    "tinyphone_calls_total 2.0",
                    "tinyphone_calls_active 1.0",
                    "tinyphone_events_total{type=\"keypress\"} 2.0",
                    "tinyphone_events_total{type=\"new_caller\"} 2.0",
                    "tinyphone_events_total{type=\"hangup\"} 1.0",
                    "tinyphone_clients{dialect=\"websocket\"} 1.0",
                    "tinyphone_clients{dialect=\"legacy\"} 0.0",
                    "tinyphone_client_audio_levels_coalesced_total",
                    "tinyphone_client_disconnects_total{reason=\"overload\"} 0.0");
        }
    }

    @Test
    void healthIsJsonWithCallsClientsAndListeners() throws Exception {
        try (ServerFixture fx = ServerFixture.start()) {
            fx.bridge().open(new CallInfo("h.1", "1", "", "100", List.of(), "", "test", Instant.now()), null);
            HttpResponse<String> r = get(fx.httpPort(), "/health");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode h = new ObjectMapper().readTree(r.body());
            assertThat(h.path("status").asText()).isEqualTo("up");
            assertThat(h.path("calls_active").asInt()).isEqualTo(1);
            assertThat(h.path("clients").path("tcp").asInt()).isZero();
            assertThat(h.path("listeners").path("http").asInt()).isEqualTo(fx.httpPort());
            assertThat(h.path("listeners").path("clients").asInt()).isEqualTo(fx.tcpPort());
        }
    }

    @Test
    void thePageAndTheBrowserClientAreServedFromTheClasspath() throws Exception {
        try (ServerFixture fx = ServerFixture.start()) {
            HttpResponse<String> page = get(fx.httpPort(), "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
            HttpResponse<String> js = get(fx.httpPort(), "/tinyphone.js");
            assertThat(js.statusCode()).isEqualTo(200);
            assertThat(js.body()).contains("tinyphone");
            assertThat(get(fx.httpPort(), "/nope.txt").statusCode()).isEqualTo(404);
        }
    }

    /** The first-paint data block of the page at {@code path}, parsed; a missing node when it is empty. */
    JsonNode firstPaint(int port, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) b.headers(headers);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("cache-control")).as("it holds calls").contains("no-store");
        String body = r.body();
        String open = "<script type=\"application/json\" id=\"first-paint\">";
        int from = body.indexOf(open) + open.length();
        assertThat(from).isGreaterThan(open.length());
        String data = body.substring(from, body.indexOf("</script>", from));
        return data.isEmpty() ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : new ObjectMapper().readTree(data);
    }

    @Test
    void thePageComesWithTheCallsInProgressOnItsNumberSoItDrawsThemBeforeItsWebsocketIsOpen()
            throws Exception {
        try (ServerFixture fx = ServerFixture.start()) {
            String hostile = "</script><script>alert(1)</script><!--";
            Call carol = fx.bridge().open(new CallInfo("fp.1", "15550001111", hostile, "13605162099", List.of("lobby"), "",
                    "audiosocket", Instant.now()), null);
            carol.keypress('4');
            carol.keypress('7');
            fx.bridge().open(new CallInfo("fp.2", "15550002222", "Dan", "100", List.of(), "", "fastagi", Instant.now()), null);

            // the subscribed reply the page would get over /ws, for the number in the address (+1 (360)… is the same)
            JsonNode one = firstPaint(fx.httpPort(), "/?number=%2B1%20(360)%20516-2099");
            assertThat(one.path("type").asText()).isEqualTo("subscribed");
            assertThat(one.path("number").asText()).isEqualTo("13605162099");
            assertThat(one.path("calls")).hasSize(1);
            JsonNode call = one.path("calls").get(0);
            assertThat(call.path("call").asText()).isEqualTo("fp.1");
            assertThat(call.path("caller_name").asText()).as("outside text arrives whole, as data").isEqualTo(hostile);
            assertThat(call.path("keys").asText()).isEqualTo("47");
            assertThat(call.path("via").asText()).isEqualTo("audiosocket");
            // ...and cannot end the data block or open a comment in the HTML
            String html = get(fx.httpPort(), "/?number=13605162099").body();
            assertThat(html).doesNotContain("alert(1)</script>").doesNotContain("<!--\"");

            assertThat(firstPaint(fx.httpPort(), "/").path("calls")).as("/ watches every number").hasSize(2);
            assertThat(firstPaint(fx.httpPort(), "/index.html?number=999").path("calls")).isEmpty();
            assertThat(firstPaint(fx.httpPort(), "/?number=%01").isMissingNode()).as("not a number").isTrue();
            carol.hangup("caller");
            assertThat(firstPaint(fx.httpPort(), "/?number=13605162099").path("calls")).as("ended: not in progress").isEmpty();
        }
    }

    @Test
    void thePageShowsNoMoreThanItsWebsocketWouldAGuardedNumberNeedsItsTokenAndOtherSitesGetNone()
            throws Exception {
        try (ServerFixture fx = ServerFixture.start(Map.of("token.555", "letmein"))) {
            fx.bridge().open(new CallInfo("g.1", "15550001111", "Carol", "555", List.of(), "", "test", Instant.now()), null);
            assertThat(firstPaint(fx.httpPort(), "/?number=555").isMissingNode()).as("no token").isTrue();
            assertThat(firstPaint(fx.httpPort(), "/?number=555&token=wrong").isMissingNode()).as("a wrong token").isTrue();
            assertThat(firstPaint(fx.httpPort(), "/?number=555&token=letmein").path("calls")).hasSize(1);
            // a page of another site that fetches ours (with the right token, even) gets the page without calls
            assertThat(firstPaint(fx.httpPort(), "/?number=555&token=letmein", "Origin", "http://evil.example")
                    .isMissingNode()).isTrue();
        }
    }

    @Test
    void aStaticDirectoryReplacesTheBuiltInPage(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("index.html"), "<html><body>my screen</body></html>");
        try (ServerFixture fx = ServerFixture.start(Map.of("http.static-dir", dir.toString()))) {
            assertThat(get(fx.httpPort(), "/").body()).contains("my screen");
            assertThat(get(fx.httpPort(), "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void everyResponseSaysNosniffDenyNoReferrerAndAPolicyThatAllowsOnlyThePageItself() throws Exception {
        String page = new String(HttpEndpointsTest.class.getClassLoader().getResourceAsStream("web/index.html").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        List<String> inline = SecurityHeaders.inlineScriptHashes(page);
        assertThat(inline).as("the page's inline script").hasSize(1);
        try (ServerFixture fx = ServerFixture.start()) {
            for (String path : List.of("/", "/tinyphone.js", "/style.css", "/metrics", "/health", "/nope.txt")) {
                HttpResponse<String> r = get(fx.httpPort(), path);
                assertThat(r.headers().firstValue("x-content-type-options")).as(path).contains("nosniff");
                assertThat(r.headers().firstValue("x-frame-options")).as(path).contains("DENY");
                assertThat(r.headers().firstValue("referrer-policy")).as(path).contains("no-referrer");
                String csp = r.headers().firstValue("content-security-policy").orElse("");
                assertThat(csp).as(path).contains("default-src 'none'", "frame-ancestors 'none'", "connect-src 'self'",
                        "script-src 'self' '" + inline.get(0) + "'").doesNotContain("unsafe");
                assertThat(r.headers().firstValue("server").orElse("")).as(path).doesNotContainIgnoringCase("jetty");
                assertThat(r.body()).as(path).doesNotContain("12.1");
            }
        }
    }

    @Test
    void inlineScriptsAreHashedAsTheBrowserHashesThemAndScriptsWithSrcAreNot() {
        // the sha256 of the script element's text, UTF-8, base64: here of "alert(1)"
        assertThat(SecurityHeaders.inlineScriptHashes("<script src=\"/a.js\"></script><script>alert(1)</script>"))
                .containsExactly("sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=");
    }

    @Test
    void aStaticDirectoryGetsAPolicyThatLetsItsOwnInlineScriptsRunButNeverFrames(@TempDir Path dir)
            throws Exception {
        Files.writeString(dir.resolve("index.html"), "<html><script>document.title='x'</script></html>");
        try (ServerFixture fx = ServerFixture.start(Map.of("http.static-dir", dir.toString()))) {
            String csp = get(fx.httpPort(), "/").headers().firstValue("content-security-policy").orElse("");
            assertThat(csp).contains("script-src 'self' 'unsafe-inline'", "frame-ancestors 'none'");
        }
    }

    @Test
    void atItsConnectionCapTheServerStopsAcceptingAndTakesTheNextOneWhenOneCloses() throws Exception {
        try (ServerFixture fx = ServerFixture.start(Map.of("http.max-connections", "2"))) {
            WebServer web = (WebServer) fx.server.listeners().stream().filter(l -> l.name().equals("http")).findFirst()
                    .orElseThrow().resource();
            java.net.Socket one = new java.net.Socket("127.0.0.1", fx.httpPort());
            java.net.Socket two = new java.net.Socket("127.0.0.1", fx.httpPort());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> web.stats().open() == 2 && web.stats().refusedByCap() == 1);
            try (java.net.Socket three = new java.net.Socket("127.0.0.1", fx.httpPort())) { // waits in the backlog
                three.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                one.close();
                three.setSoTimeout(20_000);
                String answer = new String(three.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 200");
            } finally {
                two.close();
            }
            assertThat(web.stats().accepted()).isEqualTo(3);
        }
    }
}
