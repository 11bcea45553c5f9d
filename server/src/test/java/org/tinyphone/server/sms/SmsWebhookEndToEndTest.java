package org.tinyphone.server.sms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.WsTestClient;
import org.tinyphone.server.sim.SimulatedSms;

/**
 * Twilio's incoming-message webhook over real sockets, on the SMS port (12004) and on the HTTP port: the form as
 * Twilio posts it becomes an {@code sms} event for the clients of the number {@code To} in every dialect, Twilio
 * gets TwiML back, and what Twilio would never send is refused.
 */
class SmsWebhookEndToEndTest {
    static final String NUMBER = "13605162099";
    /** Text with everything the original clients split on or choke on. */
    static final String TEXT = "Hi, it's me: {\"x\"} | 50% off & more? ünïcødé ✓ line\nbreak";
    ServerFixture fx;

    @AfterEach
    void stop() {
        if (fx != null) fx.close();
    }

    /** The fields Twilio posts for an incoming SMS (the simulator's, which `./tinyphone simulate --sms` posts). */
    static Map<String, String> twilioForm(String from, String to, String body) {
        return new SimulatedSms(to, from, body).form();
    }

    static String encode(Map<String, String> form) {
        return SimulatedSms.encode(form);
    }

    /** An HTTP/1.1 exchange on a fresh socket: the raw response (status line, headers, body). */
    static String post(int port, String path, String body, Map<String, String> headers) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder req = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                    + "User-Agent: TwilioProxy/1.1\r\n" + (headers.containsKey("Content-Type") ? ""
                    : "Content-Type: application/x-www-form-urlencoded\r\n")
                    + "Content-Length: " + b.length + "\r\nConnection: close\r\n");
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            OutputStream out = s.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void aTwilioPostOn12004ReachesEveryDialectAndTwilioGetsEmptyTwiml() throws Exception {
        fx = ServerFixture.start();
        try (TcpTestClient legacy = TcpTestClient.connect(fx.tcpPort());
             TcpTestClient tcp = TcpTestClient.connect(fx.tcpPort());
             WsTestClient ws = WsTestClient.connect(fx.httpPort())) {
            legacy.send("CONNECT,UNIQUEID123456," + NUMBER + ",NULL\0");
            tcp.send("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\"}\n");
            tcp.expect("hello");
            tcp.expect("subscribed");
            ws.expect("hello");
            ws.send("{\"type\":\"subscribe\",\"number\":\"*\"}");
            ws.expect("subscribed");
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.bridge().subscriberCount(NUMBER) == 2);

            String reply = post(fx.server.port("sms"), "/incoming", encode(twilioForm("+15550001111", "+" + NUMBER, TEXT)), Map.of());
            assertThat(status(reply)).isEqualTo(200);
            assertThat(reply).containsIgnoringCase("Content-Type: text/xml");
            assertThat(body(reply)).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");

            String line = legacy.read('\0');
            String id = line.substring("{\"id\":\"".length(), line.indexOf("\",\""));
            assertThat(id).matches("\\d{10}\\.\\d+");
            assertThat(line).isEqualTo("{\"id\":\"" + id + "\",\"event\":\"sms\",\"value\":\"15550001111|"
                    + "Hi%2C%20it's%20me%3A%20%7B%22x%22%7D%20%7C%2050%25%20off%20%26%20more%3F%20"
                    + "%C3%BCn%C3%AFc%C3%B8d%C3%A9%20%E2%9C%93%20line%0Abreak\"}");
            // the original Java client's rules (strip {}" then split on , and :) keep every part of it
            Map<String, String> parsed = OriginalJavaClient.parse(line);
            assertThat(parsed).containsEntry("event", "sms").containsEntry("id", id);
            assertThat(OriginalJavaClient.smsEvent(parsed)).containsExactly("15550001111", TEXT);

            JsonNode n = tcp.expect("sms");
            assertThat(n.path("message_id").asText()).isEqualTo(id);
            assertThat(n.path("number").asText()).isEqualTo(NUMBER);
            assertThat(n.path("from").asText()).isEqualTo("15550001111");
            assertThat(n.path("body").asText()).isEqualTo(TEXT);
            assertThat(n.path("ts").asLong()).isPositive();
            JsonNode w = ws.expect("sms");
            assertThat(w.path("message_id").asText()).isEqualTo(id);
            assertThat(w.path("body").asText()).isEqualTo(TEXT);
        }
    }

    @Test
    void theJavaClientGetsATypedSmsEvent() throws Exception {
        fx = ServerFixture.start();
        java.util.concurrent.BlockingQueue<org.tinyphone.client.TinyphoneEvent> events = new java.util.concurrent.LinkedBlockingQueue<>();
        try (org.tinyphone.client.TinyphoneClient client = org.tinyphone.client.TinyphoneClient.builder().host("127.0.0.1")
                .port(fx.tcpPort()).listener(events::add).connect()) {
            client.subscribe(NUMBER).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(status(post(fx.server.port("sms"), "/incoming", encode(twilioForm("+15550001111", "+" + NUMBER, TEXT)),
                    Map.of()))).isEqualTo(200);
            org.tinyphone.client.TinyphoneEvent e;
            do {
                e = events.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            } while (e instanceof org.tinyphone.client.TinyphoneEvent.Snapshot);
            assertThat(e).isInstanceOfSatisfying(org.tinyphone.client.TinyphoneEvent.Sms.class, m -> {
                assertThat(m.number()).isEqualTo(NUMBER);
                assertThat(m.from()).isEqualTo("15550001111");
                assertThat(m.body()).isEqualTo(TEXT);
                assertThat(m.messageId()).matches("\\d+\\.\\d+");
            });
        }
    }

    @Test
    void theHttpPortTakesTheWebhookTooAndSmsResponseBecomesTheTwimlReply() throws Exception {
        fx = ServerFixture.start(Map.of("sms.response", "Thanks <3 & see you"));
        try (TcpTestClient legacy = TcpTestClient.connect(fx.tcpPort())) {
            legacy.send("CONNECT,a," + NUMBER + ",CR\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.bridge().subscriberCount(NUMBER) == 1);
            String reply = post(fx.httpPort(), "/incoming", encode(twilioForm("+447700900123", "+1 360 516 2099", "yes")), Map.of());
            assertThat(status(reply)).isEqualTo(200);
            assertThat(body(reply)).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                    + "<Response><Message>Thanks &lt;3 &amp; see you</Message></Response>");
            assertThat(legacy.read('\n')).endsWith("\"event\":\"sms\",\"value\":\"447700900123|yes\"}");
        }
    }

    @Test
    void whatTwilioNeverSendsIsRefusedWithAReasonAndNoEvent() throws Exception {
        fx = ServerFixture.start();
        int port = fx.server.port("sms");
        String ok = encode(twilioForm("+15550001111", NUMBER, "hi"));
        try (TcpTestClient legacy = TcpTestClient.connect(fx.tcpPort())) {
            legacy.send("CONNECT,a," + NUMBER + ",CR\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.bridge().subscriberCount(NUMBER) == 1);

            // a web page posting a form through a visitor's browser
            String browser = post(port, "/incoming", ok, Map.of("Origin", "http://evil.example"));
            assertThat(status(browser)).isEqualTo(403);
            assertThat(body(browser)).contains("web browser");
            assertThat(status(post(port, "/incoming", ok, Map.of("Sec-Fetch-Site", "cross-site")))).isEqualTo(403);
            // through a proxy: the real sender is unknown, sms.allow is this machine
            assertThat(body(post(port, "/incoming", ok, Map.of("X-Forwarded-For", "203.0.113.9")))).contains("sms.allow");
            // not a form
            assertThat(status(post(port, "/incoming", ok, Map.of("Content-Type", "application/json")))).isEqualTo(415);
            // no To, a To that is no number, malformed escapes
            assertThat(body(post(port, "/incoming", "From=%2B1555&Body=x", Map.of()))).contains("missing field To");
            assertThat(status(post(port, "/incoming", "From=1&To=%2B&Body=x", Map.of()))).isEqualTo(400);
            assertThat(body(post(port, "/incoming", "From=1&To=2&Body=%E", Map.of()))).contains("malformed form body");
            // too large, announced
            assertThat(status(post(port, "/incoming", "Body=" + "x".repeat(SmsWebhook.MAX_BODY), Map.of()))).isEqualTo(413);
            // only POST /incoming
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write(("GET /incoming HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(status(r)).isEqualTo(405);
                assertThat(r).contains("Allow: POST");
            }
            assertThat(status(post(port, "/other", ok, Map.of()))).isEqualTo(404);

            // then a good one: the first thing the client sees is it
            assertThat(status(post(port, "/incoming", ok, Map.of()))).isEqualTo(200);
            assertThat(legacy.read('\n')).endsWith("\"value\":\"15550001111|hi\"}");
            assertThat(fx.server.metrics().scrape()).contains("tinyphone_sms_webhook_total{result=\"refused\"} 3.0",
                    "tinyphone_sms_webhook_total{result=\"invalid\"} 5.0", "tinyphone_sms_webhook_total{result=\"delivered\"} 1.0");
        }
    }

    @Test
    void aSipMessagePostedByAsterisksDialplanWithOnlyToFromAndBodyIsATextMessage() throws Exception {
        fx = ServerFixture.start();
        try (TcpTestClient legacy = TcpTestClient.connect(fx.tcpPort())) {
            legacy.send("CONNECT,a," + NUMBER + ",CR\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.bridge().subscriberCount(NUMBER) == 1);
            // what CURL(url,To=${URIENCODE(${EXTEN})}&From=...&Body=${URIENCODE(${MESSAGE(body)})}) posts (docs/asterisk.md):
            // URIENCODE encodes a space as %20, and libcurl labels a POST body as a form
            String reply = post(fx.server.port("sms"), "/incoming", "To=" + NUMBER + "&From=15550001111&Body=see%20you%20at%208",
                    Map.of("Content-Type", "application/x-www-form-urlencoded"));
            assertThat(status(reply)).isEqualTo(200);
            assertThat(legacy.read('\n')).endsWith("\"value\":\"15550001111|see%20you%20at%208\"}");
        }
    }

    @Test
    void withAnAuthTokenOnlyTwiliosSignatureLetsAMessageIn() throws Exception {
        fx = ServerFixture.start(Map.of("sms.auth-token", "12345"));
        int port = fx.server.port("sms");
        Map<String, String> form = twilioForm("+15550001111", NUMBER, "signed");
        String url = "http://127.0.0.1:" + port + "/incoming";
        List<Map.Entry<String, String>> params = new ArrayList<>(form.entrySet());
        String good = new TwilioSignature("12345").sign(url, params);
        try (TcpTestClient legacy = TcpTestClient.connect(fx.tcpPort())) {
            legacy.send("CONNECT,a," + NUMBER + ",CR\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.bridge().subscriberCount(NUMBER) == 1);
            assertThat(body(post(port, "/incoming", encode(form), Map.of()))).contains("X-Twilio-Signature");
            assertThat(status(post(port, "/incoming", encode(form), Map.of("X-Twilio-Signature", "AAAA" + good.substring(4)))))
                    .isEqualTo(403);
            Map<String, String> tampered = new LinkedHashMap<>(form);
            tampered.put("Body", "forged");
            assertThat(status(post(port, "/incoming", encode(tampered), Map.of("X-Twilio-Signature", good)))).isEqualTo(403);
            assertThat(status(post(port, "/incoming", encode(form), Map.of("X-Twilio-Signature", good)))).isEqualTo(200);
            assertThat(legacy.read('\n')).endsWith("\"value\":\"15550001111|signed\"}");
        }
    }

    @Test
    void moreThanSmsMaxPerMinuteAreRefusedWith429() throws Exception {
        fx = ServerFixture.start(Map.of("sms.max-per-minute", "2"));
        int port = fx.server.port("sms");
        String ok = encode(twilioForm("+15550001111", NUMBER, "hi"));
        assertThat(status(post(port, "/incoming", ok, Map.of()))).isEqualTo(200);
        assertThat(status(post(port, "/incoming", ok, Map.of()))).isEqualTo(200);
        String third = post(port, "/incoming", ok, Map.of());
        assertThat(status(third)).isEqualTo(429);
        assertThat(body(third)).contains("sms.max-per-minute");
    }

    @Test
    void smsEnabledFalseTurnsTheWebhookOffOnBothPorts() throws Exception {
        fx = ServerFixture.start(Map.of("sms.enabled", "false"));
        assertThat(fx.server.port("sms")).isEqualTo(-1);
        assertThat(status(post(fx.httpPort(), "/incoming", encode(twilioForm("+1555", NUMBER, "x")), Map.of()))).isEqualTo(404);
    }
}
