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
    void metrics_count_calls_events_and_clients_by_dialect() throws Exception {
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
    void health_is_json_with_calls_clients_and_listeners() throws Exception {
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
    void the_page_and_the_browser_client_are_served_from_the_classpath() throws Exception {
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

    @Test
    void a_static_directory_replaces_the_built_in_page(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("index.html"), "<html><body>my screen</body></html>");
        try (ServerFixture fx = ServerFixture.start(Map.of("http.static-dir", dir.toString()))) {
            assertThat(get(fx.httpPort(), "/").body()).contains("my screen");
            assertThat(get(fx.httpPort(), "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void every_response_says_nosniff_deny_no_referrer_and_a_policy_that_allows_only_the_page_itself() throws Exception {
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
    void inline_scripts_are_hashed_as_the_browser_hashes_them_and_scripts_with_src_are_not() {
        // the sha256 of the script element's text, UTF-8, base64: here of "alert(1)"
        assertThat(SecurityHeaders.inlineScriptHashes("<script src=\"/a.js\"></script><script>alert(1)</script>"))
                .containsExactly("sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=");
    }

    @Test
    void a_static_directory_gets_a_policy_that_lets_its_own_inline_scripts_run_but_never_frames(@TempDir Path dir)
            throws Exception {
        Files.writeString(dir.resolve("index.html"), "<html><script>document.title='x'</script></html>");
        try (ServerFixture fx = ServerFixture.start(Map.of("http.static-dir", dir.toString()))) {
            String csp = get(fx.httpPort(), "/").headers().firstValue("content-security-policy").orElse("");
            assertThat(csp).contains("script-src 'self' 'unsafe-inline'", "frame-ancestors 'none'");
        }
    }

    @Test
    void at_its_connection_cap_the_server_stops_accepting_and_takes_the_next_one_when_one_closes() throws Exception {
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
