package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tinyphone.relay.RelayProtocol;

/**
 * Connections that never say who they are are closed by their listener's deadline ({@code listeners.handshake-timeout},
 * short here) and counted in /metrics: slowloris on HTTP, an SMS webhook form that drips in, silent and dripping
 * connections on the client port and the relay port, a relay tunnel that greets and then sends nothing, silent FastAGI and AudioSocket connections.
 * The tests wait as long as it takes (no timing is asserted); without a deadline they would wait for ever.
 */
class ListenerDeadlinesTest {
    private static RunningServer server;

    @BeforeAll
    static void start() {
        server = RunningServer.start(Map.of("listeners.handshake-timeout", "500ms"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Socket connect(String listener) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port(listener)), 5000);
        s.setSoTimeout(200);
        return s;
    }

    /** Sends {@code drip} a byte at a time, 100 ms apart, reading what comes back, until the server closes. */
    private static String dripUntilClosed(Socket s, String drip) throws IOException {
        byte[] bytes = drip.getBytes(StandardCharsets.US_ASCII);
        StringBuilder got = new StringBuilder();
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        long giveUp = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        for (int i = 0; System.nanoTime() < giveUp; i++) {
            try {
                if (bytes.length > 0) {
                    out.write(bytes[i % bytes.length]);
                    out.flush();
                }
                int b;
                while ((b = in.read()) >= 0) got.append((char) b);
                return got.toString(); // closed by the server
            } catch (SocketTimeoutException stillOpen) {
                // nothing yet: drip on
            } catch (SocketException reset) {
                return got.toString();
            }
        }
        throw new AssertionError("the server kept the connection for 2 minutes; got: " + got);
    }

    private static double refusedByDeadline(String listener) throws Exception {
        return Scrape.refused(Scrape.metrics(server.port("http")), listener, "deadline");
    }

    @Test
    void slowlorisOnHttpIsClosedWhileItsHeadersDripIn() throws Exception {
        double before = refusedByDeadline("http");
        try (Socket s = connect("http")) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            dripUntilClosed(s, "X-a: b\r\n");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> refusedByDeadline("http") > before);
    }

    @Test
    void aSilentHttpConnectionIsClosed() throws Exception {
        double before = refusedByDeadline("http");
        try (Socket s = connect("http")) {
            assertThat(dripUntilClosed(s, "")).isEmpty();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> refusedByDeadline("http") > before);
    }

    @Test
    void aKeptAliveHttpConnectionWhoseNextRequestDripsIsClosed() throws Exception {
        double before = refusedByDeadline("http");
        try (Socket s = connect("http")) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[12];
            new DataInputStream(s.getInputStream()).readFully(head);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            s.setSoTimeout(200);
            dripUntilClosed(s, "GET /health HTTP/1.1\r\nHost: x\r\nX-slow: 1\r\n");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> refusedByDeadline("http") > before);
    }

    @Test
    void aSilentClientConnectionGetsAReasonAndIsClosed() throws Exception {
        double before = refusedByDeadline("clients");
        try (Socket s = connect("clients")) {
            String said = dripUntilClosed(s, "");
            assertThat(said).contains("\"type\":\"error\"").contains("\"code\":\"handshake_timeout\"");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> refusedByDeadline("clients") > before);
    }

    @Test
    void aClientThatDripsAFirstLineWithoutEndingItIsClosed() throws Exception {
        double before = refusedByDeadline("clients");
        try (Socket s = connect("clients")) {
            dripUntilClosed(s, "{");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> refusedByDeadline("clients") > before);
    }

    @Test
    void aSilentAndADrippingRelayConnectionAreClosed() throws Exception {
        double before = refusedByDeadline("relay");
        try (Socket silent = connect("relay"); Socket dripping = connect("relay")) {
            assertThat(dripUntilClosed(silent, "")).isEmpty();
            dripUntilClosed(dripping, "id:1");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> refusedByDeadline("relay") >= before + 2);
    }

    @Test
    void aRelayTunnelThatGreetsAndThenSaysNothingGetsAnEndFrameWithTheReason() throws Exception {
        double before = refusedByDeadline("relay");
        try (Socket s = connect("relay")) {
            s.getOutputStream().write((RelayProtocol.MAGIC + "\n").getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(120_000);
            RelayProtocol.Frame end = RelayProtocol.readFrame(s.getInputStream());
            assertThat(end.type()).isEqualTo(RelayProtocol.SERVER_END);
            assertThat(end.text()).isEqualTo("no AGI environment within 500 ms after the greeting");
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> refusedByDeadline("relay") > before);
    }

    @Test
    void anSmsWebhookPostWhoseBodyDripsIsClosedOnBothPortsThatServeIt() throws Exception {
        String headers = "POST /incoming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 60000\r\n\r\n";   // its headers in time, then a form a byte at a time
        for (String listener : new String[] {"sms", "http"}) {
            double before = refusedByDeadline(listener);
            try (Socket s = connect(listener)) {
                s.getOutputStream().write(headers.getBytes(StandardCharsets.US_ASCII));
                assertThat(dripUntilClosed(s, "Body=a")).as(listener).doesNotContain("HTTP/1.1 200");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> refusedByDeadline(listener) > before);
        }
    }

    @Test
    void silentFastAgiAndAudioSocketConnectionsAreClosed() throws Exception {
        double agi = refusedByDeadline("fastagi");
        double audio = refusedByDeadline("audiosocket");
        try (Socket fastagi = connect("fastagi"); Socket audiosocket = connect("audiosocket")) {
            assertThat(dripUntilClosed(fastagi, "")).isEmpty();
            assertThat(dripUntilClosed(audiosocket, "")).isEmpty();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> refusedByDeadline("fastagi") > agi
                && refusedByDeadline("audiosocket") > audio);
    }
}
