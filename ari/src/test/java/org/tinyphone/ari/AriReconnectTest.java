package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.testkit.ari.SimulatedAriAsterisk;
import org.tinyphone.testkit.ari.SimulatedAriCall;

/**
 * Asterisk goes away and comes back: the client says LOST, reconnects with backoff, looks the calls in Stasis up
 * again (GET /channels) and says RECONNECTED; apps of calls still in Stasis go on, calls that ended meanwhile end,
 * calls whose StasisStart was lost are started. Then a WebSocket that drops while Asterisk stays up.
 */
@Timeout(60)
class AriReconnectTest {

    @Test
    void asteriskGoesAwayAndComesBackCallsStillInStasisGoOnEndedOnesEndLostOnesStart() throws Exception {
        Map<String, Object> got = new ConcurrentHashMap<>();
        List<AriConnectionState> states = new CopyOnWriteArrayList<>();
        CountDownLatch waiting = new CountDownLatch(2);
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             AriClient ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret")
                     .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(400)).onState(states::add)
                     .app("wait", AgiOverAri.app(ch -> {
                         String who = ch.environment().args().get(0);
                         ch.answer();
                         waiting.countDown();
                         try {
                             got.put(who, ch.waitForDigit(-1).digit());
                             ch.hangup();
                         } catch (AgiHangupException e) {
                             got.put(who, "hangup");
                         }
                     })).build()) {
            ari.connect(Duration.ofSeconds(5));
            SimulatedAriCall stays = sim.call("wait").args("stays").place();
            SimulatedAriCall ends = sim.call("wait").args("ends").place();
            assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
            SimulatedAriCall lost = null;
            sim.loseEvents(true);                        // a StasisStart that dies with the connection
            lost = sim.call("wait").args("lost").place();
            sim.goAway();                                // nothing listens: events and REST fail
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> states.contains(AriConnectionState.LOST));
            ends.hangup();                               // the caller leaves while the app cannot hear it
            sim.loseEvents(false);
            Thread.sleep(300);                           // a few failed attempts
            sim.comeBack();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(AriConnectionState.RECONNECTED));
            stays.press('5');
            lost.press('7');
            assertThat(stays.await(Duration.ofSeconds(10)).outcome()).isEqualTo("hungup");
            assertThat(lost.await(Duration.ofSeconds(10)).outcome()).isEqualTo("hungup");
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 3);
            assertThat(got).containsEntry("stays", '5').containsEntry("lost", '7').containsEntry("ends", "hangup");
            assertThat(states).containsExactly(AriConnectionState.CONNECTED, AriConnectionState.LOST, AriConnectionState.RECONNECTED);
            assertThat(ari.stats().reconnects()).isEqualTo(1);
        }
    }

    @Test
    void aDroppedWebSocketIsNoticedAndReconnectedWhileRestKeepsWorking() throws Exception {
        List<AriConnectionState> states = new CopyOnWriteArrayList<>();
        List<AriEvent> missed = new CopyOnWriteArrayList<>();
        CountDownLatch inCall = new CountDownLatch(1);
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             AriClient ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret")
                     .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).onState(states::add)
                     .app("raw", call -> {
                         call.answer();
                         inCall.countDown();
                         while (true) {
                             AriEvent e = call.nextEvent();
                             if (e instanceof AriEvent.EventsMissed) missed.add(e);
                             if (e instanceof AriEvent.ChannelDtmfReceived) {
                                 call.hangup();
                                 return;
                             }
                         }
                     }).build()) {
            ari.connect(Duration.ofSeconds(5));
            SimulatedAriCall c = sim.call("raw").place();
            assertThat(inCall.await(10, TimeUnit.SECONDS)).isTrue();
            sim.dropEventConnections();   // no close frame: a network failure
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(AriConnectionState.RECONNECTED));
            c.press('1');
            assertThat(c.await(Duration.ofSeconds(10)).outcome()).isEqualTo("hungup");
            assertThat(missed).hasSize(1);
            assertThat(((AriEvent.EventsMissed) missed.get(0)).channelId()).isEqualTo(c.id());
        }
    }

    @Test
    void anAppThatReturnedWhileAsteriskWasAwayHasItsCallSentBackToTheDialplanWhenItIsBack() throws Exception {
        List<AriConnectionState> states = new CopyOnWriteArrayList<>();
        CountDownLatch away = new CountDownLatch(1);
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             AriClient ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret")
                     .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).onState(states::add)
                     .app("quick", call -> away.await()).build()) {
            ari.connect(Duration.ofSeconds(5));
            SimulatedAriCall c = sim.call("quick").place();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ari.calls().size() == 1);
            sim.goAway();
            away.countDown();   // the app returns; its continue cannot reach Asterisk
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> states.contains(AriConnectionState.LOST));
            Thread.sleep(200);
            sim.comeBack();
            assertThat(c.await(Duration.ofSeconds(10)).outcome()).isEqualTo("continued");
        }
    }
}
