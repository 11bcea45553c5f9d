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
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

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
                     .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(400)).pingInterval(Duration.ofSeconds(1)).onState(states::add)
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
            // the test presses and hangs up itself: the callers never give up on their own
            SimulatedAriCall stays = sim.call("wait").args("stays").giveUpAfter(Duration.ofMinutes(1)).place();
            SimulatedAriCall ends = sim.call("wait").args("ends").giveUpAfter(Duration.ofMinutes(1)).place();
            assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
            SimulatedAriCall lost = null;
            sim.loseEvents(true);                        // a StasisStart that dies with the connection
            lost = sim.call("wait").args("lost").giveUpAfter(Duration.ofMinutes(1)).place();
            sim.goAway();                                // nothing listens: events and REST fail
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(AriConnectionState.LOST));
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
                     .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).pingInterval(Duration.ofSeconds(1)).onState(states::add)
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
            SimulatedAriCall c = sim.call("raw").giveUpAfter(Duration.ofMinutes(1)).place();
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
                     .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).pingInterval(Duration.ofSeconds(1)).onState(states::add)
                     .app("quick", call -> away.await()).build()) {
            ari.connect(Duration.ofSeconds(5));
            SimulatedAriCall c = sim.call("quick").giveUpAfter(Duration.ofMinutes(1)).place();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ari.calls().size() == 1);
            sim.goAway();
            away.countDown();   // the app returns; its continue cannot reach Asterisk
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(AriConnectionState.LOST));
            Thread.sleep(200);
            sim.comeBack();
            assertThat(c.await(Duration.ofSeconds(10)).outcome()).isEqualTo("continued");
        }
    }

    /**
     * A connection that goes silent without closing (a half-open TCP connection, a frozen Asterisk): no event and no
     * close ever arrive. The Ping watchdog ends it after two intervals, and the client reconnects.
     */
    @Test
    void aSilentConnectionIsEndedByThePingWatchdogAndReconnected() throws Exception {
        List<AriConnectionState> states = new CopyOnWriteArrayList<>();
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             FreezingProxy proxy = new FreezingProxy(sim.port());
             AriClient ari = AriClient.builder().url("http://127.0.0.1:" + proxy.port()).credentials("lab", "labsecret")
                     .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).pingInterval(Duration.ofMillis(500))
                     .onState(states::add).app("x", call -> { }).build()) {
            ari.connect(Duration.ofSeconds(5));
            long frozen = System.nanoTime();
            proxy.freeze(true);          // bytes stop flowing both ways; nothing is closed
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(AriConnectionState.LOST));
            assertThat(Duration.ofNanos(System.nanoTime() - frozen)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
            proxy.freeze(false);         // new connections pass again
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(AriConnectionState.RECONNECTED));
        }
    }

    /** A TCP proxy whose connections can be frozen: nothing is forwarded and nothing is closed (a half-open connection). */
    private static final class FreezingProxy implements AutoCloseable {
        private final java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final int target;
        private volatile boolean frozen;
        private final List<java.net.Socket> sockets = new CopyOnWriteArrayList<>();

        FreezingProxy(int target) throws java.io.IOException {
            this.target = target;
            Thread.ofVirtual().start(this::accept);
        }

        int port() { return server.getLocalPort(); }

        void freeze(boolean f) { frozen = f; }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    java.net.Socket in = server.accept();
                    java.net.Socket out = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), target);
                    sockets.add(in);
                    sockets.add(out);
                    boolean born = frozen;   // a connection made while frozen never passes anything
                    Thread.ofVirtual().start(() -> pump(in, out, born));
                    Thread.ofVirtual().start(() -> pump(out, in, born));
                } catch (java.io.IOException e) {
                    return;
                }
            }
        }

        private void pump(java.net.Socket from, java.net.Socket to, boolean bornFrozen) {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = from.getInputStream().read(buf)) >= 0) {
                    if (bornFrozen || frozen) {
                        while (!from.isClosed()) Thread.sleep(1000);   // hold on to it, silently
                        return;
                    }
                    to.getOutputStream().write(buf, 0, n);
                }
                to.shutdownOutput();
            } catch (Exception e) {
                // one side went away
            }
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
            for (java.net.Socket s : sockets) s.close();
        }
    }
}
