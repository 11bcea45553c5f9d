package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.tinyphone.ari.AriConformance09aTest.until;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.ari.AriCapture;
import org.tinyphone.sim.ari.AriOutboundReplay;
import org.tinyphone.sim.ari.AriTranscriptReplay;

/**
 * Capture 09d: Asterisk's outbound ARI WebSocket, replayed by asterisk-sim against {@link OutboundAriServer} over real
 * sockets (Asterisk connects with the captured path, credentials and {@code ari} subprotocol; the listener's
 * RESTRequests are checked against the captured ones), and REST over an inbound events WebSocket (part 3).
 */
@Timeout(60)
class AriConformanceOutboundTest {
    /** RESTRequests of the harness that a typed client does not make: JSON and form bodies for variables, wrong uris, bad methods and types. */
    private static final Set<String> HARNESS_ONLY = Set.of("t5", "t6", "t9", "t10", "t13", "t14", "t15", "t16");

    @Test
    void capture09d_persistentAndPerCallOutboundConnectionsWithRestOverTheWebSocket() throws Exception {
        List<AriEvent> call = new CopyOnWriteArrayList<>();
        List<AriEvent> perCall = new CopyOnWriteArrayList<>();
        List<Object> got = new CopyOnWriteArrayList<>();
        List<AriConnectionState> states = new CopyOnWriteArrayList<>();
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        try (OutboundAriServer server = OutboundAriServer.builder().port(0).paths("/ari-out", "/ari-percall")
                .credentials("astout", "astoutsecret").onState(states::add)
                .app("tinyphone-out", c -> {
                    Ari ari = c.ari();
                    c.answer();
                    got.add(ari.channels().get(c.id()));
                    c.setVariable("OUTVAR", "set via query_strings");
                    got.add(c.getVariable("OUTVAR"));
                    got.add(c.getVariable("OUTVAR3"));
                    got.add(c.play("sound:hello-world"));
                    until(c, call, e -> e instanceof AriEvent.ChannelDtmfReceived);
                    got.add(ari.asterisk().ping());
                    got.add(catchThrowableOfType(AriHttpException.class, () -> ari.channels().get("nosuch-id")));
                    c.hangup();
                    until(c, call, e -> e instanceof AriEvent.StasisEnd);
                    first.countDown();
                })
                .app("tinyphone-percall", c -> {
                    got.add(c.application());
                    c.answer();
                    c.continueInDialplan();
                    until(c, perCall, e -> e instanceof AriEvent.StasisEnd);
                    second.countDown();
                }).build().start();
             AriOutboundReplay replay = AriOutboundReplay.of(AriCapture.load("09d-ari-outbound-websocket.txt"), "ws://127.0.0.1:" + server.port())
                     .skip(s -> s.tag().equals("ws") || s instanceof AriCapture.Close c && !c.fromAsterisk()
                             || s instanceof AriCapture.Text t && !t.fromAsterisk() && harnessOnly(t.text()))
                     .allow("GET", "channels", "[]").start()) {
            assertThat(first.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(second.await(20, TimeUnit.SECONDS)).isTrue();
            replay.await(Duration.ofSeconds(20));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> states.size() >= 4);
            assertThat(states).containsExactly(AriConnectionState.CONNECTED, AriConnectionState.LOST,
                    AriConnectionState.RECONNECTED, AriConnectionState.LOST);
            assertThat(server.stats().malformed()).isZero();
        }
        assertThat(((Channel) got.get(0)).state()).isEqualTo("Up");
        assertThat(got.get(1)).isEqualTo(Optional.of("set via query_strings"));
        assertThat(got.get(2)).isEqualTo(Optional.of("set via form body"));
        assertThat(((Playback) got.get(3)).state()).isEqualTo("queued");
        assertThat(((AsteriskPing) got.get(4)).ping()).isEqualTo("pong");
        AriHttpException notFound = (AriHttpException) got.get(5);
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.reason()).isEqualTo("Not Found");   // REST over a WebSocket carries the reason phrase
        assertThat(notFound.asteriskMessage()).isEqualTo("Channel not found");
        assertThat(got.get(6)).isEqualTo("tinyphone-percall:Local/ari-percall@tp-ari-0000001f;2");
        assertThat(call).extracting(AriEvent::type).containsExactly("ChannelStateChange", "ChannelVarset", "ChannelVarset",
                "ChannelVarset", "PlaybackStarted", "PlaybackFinished", "ChannelDtmfReceived", "ChannelHangupRequest", "StasisEnd");
        assertThat(call.get(0).application()).isEqualTo("tinyphone-out");
        assertThat(perCall).extracting(AriEvent::type).containsExactly("ChannelStateChange", "StasisEnd");
    }

    private static boolean harnessOnly(String text) {
        if (!text.startsWith("{")) return true;   // "this is not json"
        for (String t : HARNESS_ONLY) if (text.contains("\"transaction_id\":\"" + t + "\"")) return true;
        return !text.contains("\"transaction_id\"") || text.contains("\"type\":\"Bogus\"");
    }

    @Test
    void capture09d_part3_restRequestsOverAnInboundEventsWebSocket() throws Exception {
        try (AriTranscriptReplay replay = AriTranscriptReplay.of(AriCapture.load("09d-ari-outbound-websocket.txt"))
                .section("part 3", null).allowOnce("GET", "channels", "[]").start();
             AriClient c = AriClient.builder().url(replay.url()).credentials("lab", "labsecret").restOverWebSocket(true)
                     .pingInterval(Duration.ZERO).app("tinyphone", x -> { }).build()) {
            c.connect(Duration.ofSeconds(5));
            AsteriskPing ping = c.ari().asterisk().ping();
            assertThat(ping.timestamp()).hasToString("2026-12-04T13:34:28.738Z");
            Application app = c.ari().applications().get("tinyphone");
            assertThat(app.name()).isEqualTo("tinyphone");
            c.close();
            replay.await(Duration.ofSeconds(10));
        }
    }
}
