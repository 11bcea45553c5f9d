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
}
