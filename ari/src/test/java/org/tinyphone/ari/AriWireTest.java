package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.ari.AriRequest;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;

/** What the client puts on the wire: encoded ids and values, and REST that survives Asterisk closing idle connections. */
@Timeout(30)
class AriWireTest {

    @Test
    void valuesCanNeverChangeThePathOrAddAParameter() {
        assertThat(UrlCodec.segment("1796391224.62")).isEqualTo("1796391224.62");
        assertThat(UrlCodec.segment("../../asterisk/info")).isEqualTo("..%2F..%2Fasterisk%2Finfo");
        assertThat(UrlCodec.segment("..")).isEqualTo("%2E%2E");
        assertThat(UrlCodec.segment("a?b#c;d e")).isEqualTo("a%3Fb%23c%3Bd%20e");
        assertThat(UrlCodec.query("CALLERID(num)")).isEqualTo("CALLERID(num)");
        assertThat(UrlCodec.query("sound:hello-world")).isEqualTo("sound:hello-world");
        assertThat(UrlCodec.query("Local/ari@tp-ari")).isEqualTo("Local/ari@tp-ari");
        assertThat(UrlCodec.query("a&value=b")).isEqualTo("a%26value%3Db");
        assertThat(UrlCodec.query("1+1 %20\r\nX")).isEqualTo("1%2B1%20%2520%0D%0AX");
        assertThat(UrlCodec.query("Grüße")).isEqualTo("Gr%C3%BC%C3%9Fe");
    }

    @Test
    void hostileIdsAndValuesReachTheSimulatedAsteriskAsTheyWere() throws Exception {
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             AriClient ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret").app("x", c -> { }).build()) {
            String id = "../asterisk/info?x=1";
            AriHttpException e = AriConformance09aTest.expect404(() -> ari.ari().channels().setVariable(id, "A&B", "v=1&variable=EVIL"));
            assertThat(e.asteriskMessage()).isEqualTo("Provided channel was not found");
            AriRequest r = sim.httpRequests().get(sim.httpRequests().size() - 1);
            assertThat(r.segments()).containsExactly("channels", id, "variable");
            assertThat(r.params()).containsExactly(java.util.Map.entry("variable", "A&B"), java.util.Map.entry("value", "v=1&variable=EVIL"));
        }
    }

    @Test
    void idleKeepAliveConnectionsClosedByAsteriskDoNotBreakTheNextRequest() throws Exception {
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").keepAlive(Duration.ofMillis(150)).start();
             AriClient ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret").app("x", c -> { }).build()) {
            for (int i = 0; i < 3; i++) {
                assertThat(ari.ari().asterisk().ping().ping()).isEqualTo("pong");
                Thread.sleep(300);   // Asterisk closes the idle connection (http.conf session_keep_alive)
            }
        }
    }

    /** The race the JDK leaves to us: a request on a pooled connection that Asterisk closes just as it arrives. */
    @Test
    void aRequestThatCrossesTheIdleCloseIsSentAgainOnANewConnection() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0)) {
            Thread.ofVirtual().start(() -> {
                try {
                    try (Socket first = server.accept()) {
                        BufferedReader in = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.US_ASCII));
                        OutputStream out = first.getOutputStream();
                        lines.add(readHead(in));
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"ping\":\"pong\"}")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        lines.add(readHead(in));   // the second request arrives on the kept connection...
                    }                              // ...which Asterisk closes without an answer
                    try (Socket second = server.accept()) {
                        BufferedReader in = new BufferedReader(new InputStreamReader(second.getInputStream(), StandardCharsets.US_ASCII));
                        lines.add(readHead(in));
                        second.getOutputStream().write("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        second.getOutputStream().flush();
                        Thread.sleep(200);
                    }
                } catch (Exception ignored) {
                    // the test reports what arrived
                }
            });
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRestTransport rest = new HttpRestTransport(http, "http://127.0.0.1:" + server.getLocalPort() + "/ari/", null, null, 4,
                    Duration.ofSeconds(5));
            Ari ari = new Ari(() -> rest, id -> { }, RestFailures.NONE);
            assertThat(ari.asterisk().ping().ping()).isEqualTo("pong");
            ari.channels().answer("1796391224.62");   // a POST: the JDK itself would not send it again
            assertThat(lines).containsExactly("GET /ari/asterisk/ping HTTP/1.1", "POST /ari/channels/1796391224.62/answer HTTP/1.1",
                    "POST /ari/channels/1796391224.62/answer HTTP/1.1");
            rest.close();
        }
    }

    private static String readHead(BufferedReader in) throws java.io.IOException {
        String first = in.readLine();
        String l;
        while ((l = in.readLine()) != null && !l.isEmpty()) { }
        return first;
    }

    @Test
    void messagesOverTheLimitAreSkippedToTheirEndAndTheNextOneIsWhole() {
        MessageAssembler m = new MessageAssembler(10);
        assertThat(m.part("0123", false)).isNull();
        assertThat(m.part("456789ABCD", false)).isNull();
        assertThat(m.part("EF", true)).isNull();
        assertThat(m.skippedChars()).isEqualTo(16);
        assertThat(m.part("ok", true)).isEqualTo("ok");
        assertThat(m.skippedChars()).isZero();
        assertThat(m.part("abc", false)).isNull();
        assertThat(m.part("def", true)).isEqualTo("abcdef");
    }
}
