package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.tinyphone.ari.AriConformance09aTest.until;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.ari.AriCapture;
import org.tinyphone.sim.ari.AriTranscriptReplay;

/**
 * Captures 09b (the caller hangs up during a playback) and 09c (error answers) replayed against the real client:
 * the replay checks every request against the capture; the typed events and typed errors (HTTP status and
 * Asterisk's message) are asserted here.
 */
@Timeout(60)
class AriConformanceErrorsTest {

    private static AriClient.Builder client(AriTranscriptReplay replay) {
        return AriClient.builder().url(replay.url()).pingInterval(Duration.ZERO);
    }

    private static AriHttpException error(Runnable r) {
        AriHttpException e = catchThrowableOfType(AriHttpException.class, r::run);
        assertThat(e).as("an AriHttpException").isNotNull();
        return e;
    }

    @Test
    void capture09b_callerHangsUpDuringAPlaybackThenEveryRequestOnTheGoneChannelIs404() throws Exception {
        List<AriEvent> events = new CopyOnWriteArrayList<>();
        List<AriHttpException> errors = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        try (AriTranscriptReplay replay = AriTranscriptReplay.of(AriCapture.load("09b-ari-caller-hangup.txt"))
                .allowOnce("GET", "channels", "[]").start();
             AriClient c = client(replay).credentials("lab", "labsecret").app("tinyphone", call -> {
                 call.answer();
                 Playback p = call.play(Play.of("sound:tt-monkeys").id("pb-monkeys"));
                 assertThat(p.id()).isEqualTo("pb-monkeys");
                 until(call, events, e -> e instanceof AriEvent.StasisEnd);
                 assertThat(call.inStasis()).isFalse();
                 Ari ari = call.ari();
                 String id = call.id();
                 errors.add(error(() -> ari.channels().get(id)));
                 errors.add(error(() -> ari.channels().answer(id)));
                 errors.add(error(() -> ari.channels().play(id, "sound:hello-world")));
                 errors.add(error(() -> ari.channels().getVariable(id, "CHANNEL")));
                 errors.add(error(() -> ari.channels().continueInDialplan(id)));
                 errors.add(error(() -> ari.channels().hangup(id)));
                 errors.add(error(() -> ari.playbacks().get("pb-monkeys")));
                 errors.add(error(() -> ari.playbacks().stop("pb-monkeys")));
                 done.countDown();
             }).build()) {
            AriConformance09aTest.drive(replay, c, done);
        }
        assertThat(events).extracting(AriEvent::type).containsExactly("ChannelStateChange", "PlaybackStarted",
                "ChannelHangupRequest", "PlaybackFinished", "StasisEnd");
        AriEvent.ChannelHangupRequest h = (AriEvent.ChannelHangupRequest) events.get(2);
        assertThat(h.cause()).isEqualTo(16);
        assertThat(h.isSoft()).isFalse();
        assertThat(((AriEvent.PlaybackFinished) events.get(3)).playback().state()).isEqualTo("failed");
        assertThat(errors).extracting(AriHttpException::status).containsOnly(404);
        assertThat(errors).extracting(AriHttpException::asteriskMessage).containsExactly("Channel not found", "Channel not found",
                "Channel not found", "Provided channel was not found", "Channel not found", "Channel not found",
                "Playback not found", "Playback not found");
    }

    @Test
    void capture09c_restAuthentication() throws Exception {
        try (AriTranscriptReplay replay = AriTranscriptReplay.of(AriCapture.load("09c-ari-errors.txt"))
                .section("REST authentication", "unknown resources").start()) {
            StasisApp none = call -> { };
            assertThat(error(() -> client(replay).app("x", none).build().ari().asterisk().info()))
                    .extracting(AriHttpException::status, AriHttpException::asteriskMessage).containsExactly(401, "Authentication required");
            assertThat(error(() -> client(replay).credentials("lab", "wrong").app("x", none).build().ari().asterisk().info()).status())
                    .isEqualTo(401);
            assertThat(error(() -> client(replay).credentials("nosuchuser", "x").app("x", none).build().ari().asterisk().info()).status())
                    .isEqualTo(401);
            AsteriskPing ping = client(replay).apiKey("lab", "labsecret").app("x", none).build().ari().asterisk().ping();
            assertThat(ping.ping()).isEqualTo("pong");
            assertThat(ping.asteriskId()).isEqualTo("02:fc:00:00:00:01");
            assertThat(ping.timestamp()).hasToString("2026-12-04T13:33:58.838Z");
            assertThat(error(() -> client(replay).apiKey("lab", "wrong").app("x", none).build().ari().asterisk().ping()).status())
                    .isEqualTo(401);
            AriClient readOnly = client(replay).credentials("labro", "labrosecret").app("x", none).build();
            assertThat(readOnly.ari().asterisk().ping().ping()).isEqualTo("pong");
            assertThat(error(() -> readOnly.ari().channels().answer("nosuch")))
                    .extracting(AriHttpException::status, AriHttpException::asteriskMessage).containsExactly(403, "Write access denied");
            replay.await(Duration.ofSeconds(10));
        }
    }

    @Test
    void capture09c_unknownIdsAnswer404WithAsterisksMessage() throws Exception {
        try (AriTranscriptReplay replay = AriTranscriptReplay.of(AriCapture.load("09c-ari-errors.txt"))
                .section("unknown resources", "events WebSocket: authentication")
                // GET /ari/nosuch, GET /ari/channels/ and PUT /ari/channels: no typed call makes these wrong URLs
                .skip(s -> s instanceof AriCapture.Request r && (r.target().equals("/ari/nosuch")
                        || r.target().equals("/ari/channels/") || r.method().equals("PUT"))).start()) {
            Ari ari = client(replay).credentials("lab", "labsecret").app("x", call -> { }).build().ari();
            assertThat(error(() -> ari.channels().get("nosuch-id")).asteriskMessage()).isEqualTo("Channel not found");
            assertThat(error(() -> ari.channels().answer("nosuch-id")).asteriskMessage()).isEqualTo("Channel not found");
            assertThat(error(() -> ari.channels().hangup("nosuch-id")).asteriskMessage()).isEqualTo("Channel not found");
            assertThat(error(() -> ari.bridges().get("nosuch-id")).asteriskMessage()).isEqualTo("Bridge not found");
            assertThat(error(() -> ari.playbacks().get("nosuch-id")).asteriskMessage()).isEqualTo("Playback not found");
            AriHttpException app = error(() -> ari.applications().get("nosuchapp"));
            assertThat(app.isNotFound()).isTrue();
            assertThat(app.asteriskMessage()).isEqualTo("Application not found");
            replay.await(Duration.ofSeconds(10));
        }
    }

    @Test
    void capture09c_eventsWebSocketRefusedThenAnAppCreatedOnTheFlyThenReplacedByASecondConnection() throws Exception {
        try (AriTranscriptReplay replay = AriTranscriptReplay.of(AriCapture.load("09c-ari-errors.txt"))
                .section("events WebSocket: authentication", "errors on a live call")
                // the harness left subscribeAll out of these upgrades; the client always sends it (false is Asterisk's default)
                .ignoringQueryParameter("subscribeAll")
                // no app / no Upgrade header: the client cannot make either request
                .skip(s -> s.tag().equals("ws-noapp") || s instanceof AriCapture.Request r && r.target().equals("/ari/events?app=tinyphone")
                        && r.tag().equals("rest"))
                .allow("GET", "channels", "[]").start()) {
            for (Supplier<AriClient.Builder> b : List.<Supplier<AriClient.Builder>>of(() -> client(replay),
                    () -> client(replay).credentials("lab", "wrong"))) {
                AriClient refused = b.get().app("tinyphone", call -> { }).build();
                AriHttpException e = catchThrowableOfType(AriHttpException.class, () -> refused.connect(Duration.ofSeconds(5)));
                refused.close();
                assertThat(e).isNotNull();
                assertThat(e.status()).isEqualTo(401);
            }
            // the harness upgraded with ?api_key= and made its REST requests with Basic: two clients here
            AriClient probe = client(replay).credentials("lab", "labsecret").app("probe", call -> { }).build();
            try (AriClient onTheFly = client(replay).apiKey("lab", "labsecret").app("nosuchapp-yet", call -> { }).build()) {
                onTheFly.connect(Duration.ofSeconds(5));
                assertThat(probe.ari().applications().get("nosuchapp-yet").name()).isEqualTo("nosuchapp-yet");
            }
            assertThat(error(() -> probe.ari().applications().get("nosuchapp-yet")).asteriskMessage()).isEqualTo("Application not found");

            LinkedBlockingQueue<AriEvent> first = new LinkedBlockingQueue<>();
            AriClient ws1 = client(replay).credentials("lab", "labsecret").app("tinyphone", call -> { }).onEvent(first::add).build();
            ws1.connect(Duration.ofSeconds(5));
            AriClient ws2 = client(replay).credentials("lab", "labsecret").app("tinyphone", call -> { }).build();
            ws2.connect(Duration.ofSeconds(5));
            AriEvent replaced = first.poll(5, TimeUnit.SECONDS);
            assertThat(replaced).isInstanceOf(AriEvent.Other.class);
            assertThat(replaced.type()).isEqualTo("ApplicationReplaced");
            assertThat(replaced.application()).isEqualTo("tinyphone");
            assertThat(ws2.ari().applications().get("tinyphone").channelIds()).isEmpty();
            ws2.close();
            ws1.close();
            replay.await(Duration.ofSeconds(10));
        }
    }

    @Test
    void capture09c_errorsOnALiveCall() throws Exception {
        List<Object> got = new CopyOnWriteArrayList<>();
        List<AriEvent> events = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        try (AriTranscriptReplay replay = AriTranscriptReplay.of(AriCapture.load("09c-ari-errors.txt"))
                .section("errors on a live call", null).withOpenSocket("ws2")
                .skip(s -> s instanceof AriCapture.Request r && (
                        // play without media: Play refuses to be built empty
                        r.target().equals("/ari/channels/1796391243.68/play")
                        // a body that is not JSON, and variables in a JSON body: the typed call sends query parameters
                        || r.method().equals("POST") && r.target().equals("/ari/channels/1796391243.68/variable")
                                && r.headers().containsKey("content-type")
                        // originate and externalMedia: the client always sends a channelId, the harness did not
                        || r.target().startsWith("/ari/channels?") || r.target().equals("/ari/channels")
                        || r.target().startsWith("/ari/channels/externalMedia")))
                .allowOnce("GET", "channels", "[]").start();
             AriClient c = client(replay).credentials("lab", "labsecret").app("tinyphone", call -> {
                 Ari ari = call.ari();
                 String id = call.id();
                 String other = "1796391243.67";   // the ;1 leg: exists, not in Stasis
                 call.answer();
                 got.add(error(() -> ari.channels().answer(other)));
                 got.add(error(() -> ari.channels().play(other, "sound:hello-world")));
                 got.add(ari.channels().getVariable(other, "CHANNEL"));
                 got.add(ari.channels().get(other));
                 got.add(error(() -> ari.channels().setVariable(id, null, null)));
                 got.add(error(() -> ari.channels().getVariable(id, null)));
                 got.add(error(() -> ari.channels().sendDtmf(id, null)));
                 got.add(error(() -> ari.channels().hangup(id, "bogus")));
                 got.add(ari.channels().getVariable(id, "BODYVAR"));
                 got.add(ari.channels().play(id, "sound:no-such-sound-file"));
                 Playback unknown = ari.channels().play(id, "nosuchscheme:xyz");
                 got.add(error(() -> ari.playbacks().get(unknown.id())));
                 got.add(ari.bridges().create("mixing", "br-09c", "errors"));
                 got.add(error(() -> ari.bridges().create("mixing", "br-09c", null)));
                 got.add(error(() -> ari.bridges().addChannel("br-09c", other)));
                 got.add(error(() -> ari.bridges().addChannel("br-09c", "nosuch-id")));
                 got.add(error(() -> ari.bridges().addChannel("br-09c")));
                 ari.bridges().addChannel("br-09c", id);
                 ari.bridges().addChannel("br-09c", id);
                 got.add(error(() -> ari.bridges().addChannel("br-nosuch", id)));
                 call.continueInDialplan("no-such-context", null, null, null);
                 until(call, events, e -> e instanceof AriEvent.StasisEnd);
                 ari.bridges().destroy("br-09c");
                 got.add(error(() -> ari.bridges().destroy("br-09c")));
                 got.add(error(() -> ari.channels().hangup(id)));
                 done.countDown();
             }).build()) {
            AriConformance09aTest.drive(replay, c, done);
        }
        assertThat(((AriHttpException) got.get(0))).extracting(AriHttpException::status, AriHttpException::asteriskMessage)
                .containsExactly(409, "Channel not in Stasis application");
        assertThat(((AriHttpException) got.get(1)).status()).isEqualTo(409);
        assertThat(got.get(2)).isEqualTo(Optional.of("Local/ari@tp-ari-0000001d;1"));
        assertThat(((Channel) got.get(3)).dialplan().appName()).isEqualTo("Wait");
        assertThat(((AriHttpException) got.get(4))).extracting(AriHttpException::status, AriHttpException::asteriskMessage)
                .containsExactly(400, "Variable name is required");
        assertThat(((AriHttpException) got.get(5)).asteriskMessage()).isEqualTo("Variable name is required");
        assertThat(((AriHttpException) got.get(6)).asteriskMessage()).isEqualTo("DTMF is required");
        assertThat(((AriHttpException) got.get(7))).extracting(AriHttpException::status, AriHttpException::asteriskMessage)
                .containsExactly(400, "Invalid reason for hangup reason provided");
        assertThat(got.get(8)).isEqualTo(Optional.of("from json body"));
        assertThat(((Playback) got.get(9)).state()).isEqualTo("queued");
        assertThat(((AriHttpException) got.get(10)).asteriskMessage()).isEqualTo("Playback not found");
        Bridge b = (Bridge) got.get(11);
        assertThat(b).extracting(Bridge::id, Bridge::technology, Bridge::bridgeType, Bridge::bridgeClass, Bridge::name)
                .containsExactly("br-09c", "simple_bridge", "mixing", "stasis", "errors");
        assertThat(((AriHttpException) got.get(12))).extracting(AriHttpException::status, AriHttpException::asteriskMessage)
                .containsExactly(409, "Bridge with id 'br-09c' already exists");
        assertThat(((AriHttpException) got.get(13))).extracting(AriHttpException::status, AriHttpException::asteriskMessage)
                .containsExactly(422, "Channel not in Stasis application");
        assertThat(((AriHttpException) got.get(14))).extracting(AriHttpException::status, AriHttpException::asteriskMessage)
                .containsExactly(400, "Channel not found");
        assertThat(((AriHttpException) got.get(15)).asteriskMessage()).isEqualTo("Missing parameter channel");
        assertThat(((AriHttpException) got.get(16))).extracting(AriHttpException::status, AriHttpException::asteriskMessage)
                .containsExactly(404, "Bridge not found");
        assertThat(((AriHttpException) got.get(17)).asteriskMessage()).isEqualTo("Bridge not found");
        assertThat(((AriHttpException) got.get(18)).asteriskMessage()).isEqualTo("Channel not found");
        assertThat(events).extracting(AriEvent::type).containsExactly("ChannelStateChange", "ChannelVarset", "PlaybackStarted",
                "PlaybackFinished", "PlaybackStarted", "ChannelEnteredBridge", "ChannelLeftBridge", "ChannelEnteredBridge",
                "ChannelLeftBridge", "StasisEnd");
        AriEvent.ChannelEnteredBridge entered = (AriEvent.ChannelEnteredBridge) events.get(5);
        assertThat(entered.bridge().channels()).containsExactly("1796391243.68");
        assertThat(entered.channelId()).isEqualTo("1796391243.68");
        assertThat(((AriEvent.PlaybackFinished) events.get(3)).playback().state()).isEqualTo("failed");
    }
}
