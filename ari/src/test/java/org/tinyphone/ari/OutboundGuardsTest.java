package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;

/**
 * The listener for Asterisk's outbound WebSocket has the guards of every Asterisk-facing port: a host not on the
 * allow-list is closed at accept without a byte read or written, a browser's upgrade (it carries an Origin) is
 * refused, a connection that drips its upgrade request is closed at the deadline, at the connection cap the
 * listener stops accepting until one closes, and an address guessing the credentials is refused for a minute.
 */
@Timeout(60)
class OutboundGuardsTest {
    private static final String UPGRADE = "GET /ari-out HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ari\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

    @Test
    void aHostNotOnTheAllowListIsClosedUnheard() throws Exception {
        try (OutboundAriServer server = OutboundAriServer.builder().port(0).allowFrom(a -> !a.isLoopbackAddress())
                .app("tinyphone-out", c -> { }).build().start();
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
            assertThat(readAll(s.getInputStream())).as("no HTTP answer, just the close").isEmpty();
            assertThat(server.listenerStats().refusedByAllowList()).isEqualTo(1);
            assertThat(server.listenerStats().accepted()).isZero();
        }
    }

    @Test
    void aWebPageCannotPlayAsteriskAnUpgradeWithAnOriginIsRefused() throws Exception {
        try (OutboundAriServer server = OutboundAriServer.builder().port(0).app("tinyphone-out", c -> { }).build().start();
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(UPGRADE.replace("Host: 127.0.0.1\r\n", "Host: 127.0.0.1\r\nOrigin: https://evil.example\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).isEqualTo("HTTP/1.1 403");
            assertThat(server.connectedApps()).isEmpty();
        }
    }

    @Test
    void anUpgradeRequestThatDripsIsClosedAtTheDeadline() throws Exception {
        try (OutboundAriServer server = OutboundAriServer.builder().port(0).handshakeTimeout(Duration.ofMillis(400))
                .app("tinyphone-out", c -> { }).build().start();
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("GET /ari-out HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            java.util.concurrent.CompletableFuture<byte[]> answer = new java.util.concurrent.CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    answer.complete(readAll(in));
                } catch (java.io.IOException e) {
                    answer.complete(new byte[0]);
                }
            });
            for (int i = 0; i < 200 && !answer.isDone(); i++) {   // a header byte every 100 ms keeps Jetty's idle timeout away
                Thread.sleep(100);
                try {
                    out.write('X');
                    out.flush();
                } catch (java.io.IOException e) {
                    break;
                }
            }
            String got = new String(answer.get(10, java.util.concurrent.TimeUnit.SECONDS), StandardCharsets.US_ASCII);
            assertThat(got).as("closed while still dripping, never upgraded").doesNotContain(" 101 ");
            assertThat(server.listenerStats().closedByDeadline()).isEqualTo(1);
        }
    }

    @Test
    void atTheCapItStopsAcceptingUntilAConnectionCloses() throws Exception {
        CopyOnWriteArrayList<AriConnectionState> states = new CopyOnWriteArrayList<>();
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             OutboundAriServer server = OutboundAriServer.builder().port(0).maxConnections(1).onState(states::add)
                     .app("tinyphone-out", c -> { }).build().start()) {
            SimulatedAriAsterisk.OutboundLink link = sim.outbound("tinyphone-out", URI.create("ws://127.0.0.1:" + server.port()
                    + "/ari-out"), null, null, Duration.ofMillis(100));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(AriConnectionState.CONNECTED));
            assertThat(server.listenerStats().refusedByCap()).as("the cap was reached once").isEqualTo(1);
            assertThat(server.listenerStats().open()).isEqualTo(1);
            link.stop();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.listenerStats().open() == 0);
            try (Socket s = new Socket("127.0.0.1", server.port())) {   // accepting again
                s.setSoTimeout(10_000);
                s.getOutputStream().write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
                String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(answer).isEqualTo("HTTP/1.1 101");
            }
        }
    }

    @Test
    void webSocketsThatNeverRegisterAnApplicationAreClosedAtTheDeadlineAndAsteriskGetsIn() throws Exception {
        CopyOnWriteArrayList<AriConnectionState> states = new CopyOnWriteArrayList<>();
        java.util.List<Socket> silent = new java.util.ArrayList<>();
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             OutboundAriServer server = OutboundAriServer.builder().port(0).maxConnections(3)
                     .handshakeTimeout(Duration.ofMillis(300)).onState(states::add)   // the idle timeout stays 10 min
                     .app("tinyphone-out", c -> { }).build().start()) {
            try {
                for (int i = 0; i < 3; i++) {   // upgraded, then never a word: every slot taken
                    Socket s = new Socket("127.0.0.1", server.port());
                    silent.add(s);
                    s.setSoTimeout(20_000);
                    s.getOutputStream().write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
                    assertThat(headers(s.getInputStream())).startsWith("HTTP/1.1 101");
                }
                SimulatedAriAsterisk.OutboundLink link = sim.outbound("tinyphone-out", URI.create("ws://127.0.0.1:" + server.port()
                        + "/ari-out"), null, null, Duration.ofMillis(100));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> states.contains(AriConnectionState.CONNECTED));
                for (Socket s : silent) {   // each was told why: a close frame, 1008 (policy violation)
                    byte[] frame = s.getInputStream().readNBytes(4);
                    assertThat(frame).containsExactly(0x88, 2 + "no ApplicationRegistered".length(), 0x03, 0xF0);
                }
                assertThat(server.listenerStats().closedByDeadline()).as("the silent three, at least").isGreaterThanOrEqualTo(3);
                assertThat(server.connectedApps()).containsExactly("tinyphone-out");
                link.stop();
            } finally {
                for (Socket s : silent) s.close();
            }
        }
    }

    /** The status line's start of the answer to an upgrade sent from {@code from} with {@code user}:{@code password}. */
    private static String upgradeFrom(String from, int port, String user, String password) throws Exception {
        String basic = java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        try (Socket s = new Socket(java.net.InetAddress.getByName("127.0.0.1"), port, java.net.InetAddress.getByName(from), 0)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(UPGRADE.replace("Host: 127.0.0.1\r\n", "Host: 127.0.0.1\r\nAuthorization: Basic " + basic + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return headers(s.getInputStream());
        }
    }

    @Test
    void credentialsCannotBeGuessedAnAddressWithTooManyWrongOnesIsRefusedEvenTheRightOne() throws Exception {
        try (OutboundAriServer server = OutboundAriServer.builder().port(0).credentials("asterisk", "s3cret")
                .app("tinyphone-out", c -> { }).build().start()) {
            for (int i = 0; i < org.tinyphone.net.WrongSecretLimiter.MAX_FAILURES; i++) {
                assertThat(upgradeFrom("127.0.0.2", server.port(), "asterisk", "guess" + i)).startsWith("HTTP/1.1 401 ");
            }
            String throttled = upgradeFrom("127.0.0.2", server.port(), "asterisk", "s3cret");
            assertThat(throttled).as("the right one too, for the rest of the minute").startsWith("HTTP/1.1 429 ")
                    .containsIgnoringCase("Retry-After: 60");
            assertThat(upgradeFrom("127.0.0.3", server.port(), "asterisk", "guess")).as("another address: checked").startsWith("HTTP/1.1 401 ");
            assertThat(upgradeFrom("127.0.0.1", server.port(), "asterisk", "s3cret")).as("Asterisk from its own address gets in")
                    .startsWith("HTTP/1.1 101 ");
        }
    }

    @Test
    void aFloodOfRefusedUpgradesWritesABoundedLog() throws Exception {
        try (LogCapture logs = new LogCapture();
             OutboundAriServer server = OutboundAriServer.builder().port(0).credentials("asterisk", "s3cret")
                     .app("tinyphone-out", c -> { }).build().start()) {
            for (int i = 0; i < 40; i++) {
                String request = i % 2 == 0 ? UPGRADE.replace("Host: 127.0.0.1\r\n", "Host: 127.0.0.1\r\nOrigin: https://evil.example\r\n")
                        : UPGRADE;   // no credentials
                try (Socket s = new Socket("127.0.0.1", server.port())) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                    String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                    assertThat(answer).isIn("HTTP/1.1 403", "HTTP/1.1 401");
                }
            }
            String text = logs.text();
            long origin = text.lines().filter(l -> l.contains("sent by a web page")).count();
            long credentials = text.lines().filter(l -> l.contains("wrong or no credentials")).count();
            assertThat(origin).as("refusals of web pages logged, within the budget").isBetween(1L, 5L);
            assertThat(credentials).as("refusals for credentials logged, within the budget").isBetween(1L, 5L);
        }
    }

    @Test
    void aFloodOfBinaryMessagesIsCountedAndWritesABoundedLog() throws Exception {
        try (LogCapture logs = new LogCapture();
             OutboundAriServer server = OutboundAriServer.builder().port(0).app("tinyphone-out", c -> { }).build().start();
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
            assertThat(headers(s.getInputStream())).startsWith("HTTP/1.1 101");
            out.write(frame(0x1, "{\"type\":\"ApplicationRegistered\",\"application\":\"tinyphone-out\"}"
                    .getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < 200; i++) out.write(frame(0x2, new byte[] {1, 2, 3, 4}));
            out.flush();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> server.stats().malformed() == 200);
            long lines = logs.text().lines().filter(l -> l.contains("binary message")).count();
            assertThat(lines).as("binary messages said within the budget").isBetween(1L, 11L);
            assertThat(server.connectedApps()).as("the connection goes on").containsExactly("tinyphone-out");
        }
    }

    /** One masked WebSocket frame from a client, FIN set. */
    private static byte[] frame(int opcode, byte[] payload) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(0x80 | opcode);
        if (payload.length < 126) {
            b.write(0x80 | payload.length);
        } else {
            b.write(0x80 | 126);
            b.write(payload.length >> 8);
            b.write(payload.length & 0xff);
        }
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        b.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) b.write(payload[i] ^ mask[i % 4]);
        return b.toByteArray();
    }

    /** The HTTP answer's status line and headers, up to the blank line (nothing after it is read). */
    private static String headers(InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) break;
            b.append((char) c);
        }
        return b.toString();
    }

    private static byte[] readAll(InputStream in) throws java.io.IOException {
        try {
            return in.readAllBytes();
        } catch (java.net.SocketException reset) {
            return new byte[0];
        }
    }
}
