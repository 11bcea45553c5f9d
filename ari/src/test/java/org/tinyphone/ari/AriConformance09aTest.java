package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.ari.AriCapture;
import org.tinyphone.sim.ari.AriTranscriptReplay;

/**
 * Capture 09a (a Stasis call driven over REST, every WebSocket event) replayed against the real client over real
 * sockets: every request line, header that matters and body the client sends is checked against the capture by the
 * replay, and every typed event and result the client gets is asserted here.
 */
@Timeout(30)
class AriConformance09aTest {

    @Test
    void capture09a_stasisCallAnswerVariablesPlayDtmfContinueThenHangupFromTheApp() throws Exception {
        List<AriEvent> call1 = new CopyOnWriteArrayList<>();
        List<AriEvent> call2 = new CopyOnWriteArrayList<>();
        List<Object> results = new CopyOnWriteArrayList<>();
        CountDownLatch both = new CountDownLatch(2);
        try (AriTranscriptReplay replay = AriTranscriptReplay.of(AriCapture.load("09a-ari-stasis-call.txt"))
                // the client also lists the channels when it connects (calls left in Stasis); the harness did not
                .allowOnce("GET", "channels", "[]").start()) {
            StasisApp app = call -> {
                if (call.id().endsWith(".62")) {
                    call1.add(new AriEvent.StasisStart(null, call.application(), null, call.args(), call.channel(), null));
                    Ari ari = call.ari();
                    call.answer();
                    results.add(ari.channels().get(call.id()));
                    results.add(ari.channels().list());
                    results.add(call.getVariable("CALLERID(dnid)"));
                    results.add(call.getVariable("CALLERID(num)"));
                    results.add(call.getVariable("NOSUCHVAR"));
                    call.setVariable("ARIVAR", "hello ari");
                    results.add(call.getVariable("ARIVAR"));
                    Playback p = call.play("sound:hello-world");
                    results.add(p);
                    until(call, call1, e -> e instanceof AriEvent.PlaybackFinished);
                    results.add(expect404(() -> ari.playbacks().get(p.id())));
                    until(call, call1, e -> e instanceof AriEvent.ChannelDtmfReceived d && "#".equals(d.digit()));
                    call.continueInDialplan();
                    until(call, call1, e -> e instanceof AriEvent.StasisEnd);
                } else {
                    call2.add(new AriEvent.StasisStart(null, call.application(), null, call.args(), call.channel(), null));
                    call.answer();
                    until(call, call2, e -> e instanceof AriEvent.ChannelStateChange);
                    call.hangup();
                    until(call, call2, e -> e instanceof AriEvent.StasisEnd);
                    results.add(expect404(() -> call.ari().channels().get(call.id())));
                }
                both.countDown();
            };
            try (AriClient client = AriClient.builder().url(replay.url()).credentials("lab", "labsecret").app("tinyphone", app).build()) {
                client.connect(Duration.ofSeconds(5));
                Application a = client.ari().applications().get("tinyphone");
                assertThat(a.name()).isEqualTo("tinyphone");
                assertThat(a.channelIds()).isEmpty();
                assertThat(both.await(20, TimeUnit.SECONDS)).as(() -> "replay: " + replay.mismatches()).isTrue();
            }
            replay.await(Duration.ofSeconds(10));
        }

        // call 1: the events, typed
        assertThat(call1).extracting(AriEvent::type).containsExactly("StasisStart", "ChannelStateChange", "ChannelVarset",
                "PlaybackStarted", "PlaybackFinished", "ChannelDtmfReceived", "ChannelDtmfReceived", "ChannelDtmfReceived", "StasisEnd");
        AriEvent.StasisStart start = (AriEvent.StasisStart) call1.get(0);
        assertThat(start.args()).containsExactly("arg one", "arg2");
        assertThat(start.channel().id()).isEqualTo("1796391224.62");
        assertThat(start.channel().name()).isEqualTo("Local/ari@tp-ari-0000001a;2");
        assertThat(start.channel().state()).isEqualTo("Ring");
        assertThat(start.channel().caller()).isEqualTo(new Channel.CallerId("Carol", "15550001111"));
        assertThat(start.channel().dialplan()).isEqualTo(new Channel.Dialplan("tp-ari", "ari", 2, "Stasis", "tinyphone,arg one,arg2"));
        assertThat(start.channel().language()).isEqualTo("en");
        assertThat(start.channel().creationtime()).hasToString("2026-12-04T13:33:44.311Z");
        AriEvent.ChannelStateChange up = (AriEvent.ChannelStateChange) call1.get(1);
        assertThat(up.channel().state()).isEqualTo("Up");
        assertThat(up.channel().stateCode()).isEqualTo(6);
        assertThat(up.timestamp()).hasToString("2026-12-04T13:33:44.312Z");
        assertThat(up.application()).isEqualTo("tinyphone");
        AriEvent.ChannelVarset v = (AriEvent.ChannelVarset) call1.get(2);
        assertThat(v.variable()).isEqualTo("ARIVAR");
        assertThat(v.value()).isEqualTo("hello ari");
        AriEvent.PlaybackStarted ps = (AriEvent.PlaybackStarted) call1.get(3);
        assertThat(ps.playback()).isEqualTo(new Playback("6023aa7d-6b89-4f12-bed0-4e2039125a89", "sound:hello-world",
                "channel:1796391224.62", "en", "playing"));
        assertThat(ps.channelId()).isEqualTo("1796391224.62");
        assertThat(((AriEvent.PlaybackFinished) call1.get(4)).playback().state()).isEqualTo("done");
        assertThat(call1.subList(5, 8)).map(e -> (AriEvent.ChannelDtmfReceived) e)
                .extracting(AriEvent.ChannelDtmfReceived::digit, AriEvent.ChannelDtmfReceived::durationMs)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("1", 100), org.assertj.core.groups.Tuple.tuple("2", 100),
                        org.assertj.core.groups.Tuple.tuple("#", 100));

        // call 1: the typed results
        Channel got = (Channel) results.get(0);
        assertThat(got.state()).isEqualTo("Up");
        assertThat(got.id()).isEqualTo("1796391224.62");
        @SuppressWarnings("unchecked")
        List<Channel> all = (List<Channel>) results.get(1);
        assertThat(all).extracting(Channel::id).containsExactly("1796391224.62", "1796391224.61");
        assertThat(all.get(1).dialplan().appName()).isEqualTo("Wait");
        assertThat(results.get(2)).isEqualTo(java.util.Optional.of("13605162099"));
        assertThat(results.get(3)).isEqualTo(java.util.Optional.of("15550001111"));
        assertThat(results.get(4)).isEqualTo(java.util.Optional.empty());
        assertThat(results.get(5)).isEqualTo(java.util.Optional.of("hello ari"));
        Playback queued = (Playback) results.get(6);
        assertThat(queued.state()).isEqualTo("queued");
        assertThat(queued.mediaUri()).isEqualTo("sound:hello-world");
        AriHttpException gone = (AriHttpException) results.get(7);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.asteriskMessage()).isEqualTo("Playback not found");
        assertThat(gone.path()).isEqualTo("playbacks/6023aa7d-6b89-4f12-bed0-4e2039125a89");

        // call 2: hung up by the app
        assertThat(call2).extracting(AriEvent::type).containsExactly("StasisStart", "ChannelStateChange", "ChannelHangupRequest", "StasisEnd");
        AriEvent.ChannelHangupRequest h = (AriEvent.ChannelHangupRequest) call2.get(2);
        assertThat(h.cause()).isEqualTo(32);
        assertThat(h.isSoft()).isTrue();
        AriHttpException after = (AriHttpException) results.get(8);
        assertThat(after.status()).isEqualTo(404);
        assertThat(after.asteriskMessage()).isEqualTo("Channel not found");
    }

    /** Reads the call's events into {@code sink} up to and including the first that matches. */
    static AriEvent until(StasisCall call, List<AriEvent> sink, java.util.function.Predicate<AriEvent> p) throws InterruptedException {
        while (true) {
            AriEvent e = call.nextEvent(Duration.ofSeconds(10));
            if (e == null) throw new AssertionError("no matching event within 10 s; got " + sink);
            sink.add(e);
            if (p.test(e)) return e;
        }
    }

    /** Connects, waits until the app says {@code done}, closes the client and checks that the replay ran every step. */
    static void drive(AriTranscriptReplay replay, AriClient c, CountDownLatch done) throws InterruptedException {
        c.connect(Duration.ofSeconds(5));
        assertThat(done.await(20, TimeUnit.SECONDS)).as(() -> "replay: " + replay.mismatches()).isTrue();
        c.close();
        replay.await(Duration.ofSeconds(10));
    }

    static AriHttpException expect404(Runnable r) {
        try {
            r.run();
        } catch (AriHttpException e) {
            return e;
        }
        throw new AssertionError("expected a 404");
    }
}
