package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.ami.codec.AmiMessage;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

/**
 * The server misbehaves; nothing hangs: every pending future completes (exceptionally, with a clear message,
 * long before its own timeout), the connection comes back and logs in again, and never pings before Login.
 */
class ManagerConnectionFaultTest {
    private static final Duration LONG = Duration.ofSeconds(60);   // far longer than any wait below
    private final AsteriskSimulator sim = new AsteriskSimulator("lab", "labsecret");
    private FakeAmiServer server;
    private ManagerConnection ami;

    @AfterEach
    void tearDown() {
        if (ami != null) ami.close();
        if (server != null) server.close();
    }

    private ManagerConnection connect(ManagerConnection.Builder b) throws Exception {
        if (server == null) server = FakeAmiServer.start(sim);
        ami = b.port(server.port()).username("lab").secret("labsecret").build();
        ami.connect();
        return ami;
    }

    private ManagerConnection.Builder base() {
        return ManagerConnection.builder().actionTimeout(LONG).keepAlive(Duration.ZERO)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(400));
    }

    private static void assertLost(CompletableFuture<?> f) {
        assertThat(f).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().withCauseInstanceOf(AmiException.ConnectionLost.class)
                .withMessageContaining("lost");
    }

    @Test
    void dropMidActionFailsItAtOnceAndReconnects() throws Exception {
        connect(base());
        sim.dropOnAction("Command");
        CompletableFuture<AmiResponse> f = ami.send(AmiAction.of("Command").add("Command", "core show version"));
        assertLost(f);
        assertThat(f.handle((r, e) -> e.getMessage()).join()).contains("Action: Command");
        sim.dropOnAction(null);
        assertThat(ami.awaitState(ConnectionState.LOGGED_IN, Duration.ofSeconds(10))).isTrue();
        await().untilAsserted(() -> assertThat(ami.call(AmiAction.of("Ping")).get("Ping")).isEqualTo("Pong"));
        assertThat(sim.logins()).isEqualTo(2);
        assertThat(sim.deniedBeforeLogin()).isZero();
    }

    @Test
    void dropMidEventListFailsTheListAction() throws Exception {
        connect(base());
        sim.newChannel("PJSIP/100-00000001", "100", "Alice", "s");
        sim.newChannel("PJSIP/200-00000002", "200", "Bob", "s");
        sim.dropMidList(true);
        CompletableFuture<AmiResponse> f = ami.send(AmiAction.of("CoreShowChannels"));
        assertLost(f);
        sim.dropMidList(false);
        assertThat(ami.awaitState(ConnectionState.LOGGED_IN, Duration.ofSeconds(10))).isTrue();
        await().untilAsserted(() -> assertThat(ami.call(AmiAction.of("CoreShowChannels")).items()).hasSize(2));
    }

    @Test
    void dropDuringFirstLoginIsAClearErrorNotAHang() throws Exception {
        server = FakeAmiServer.start(sim.dropDuringLogin(true));
        ami = base().port(server.port()).username("lab").secret("labsecret").build();
        assertThatThrownBy(() -> ami.connect()).isInstanceOf(AmiException.ConnectionLost.class)
                .hasMessageContaining("before the response to Action: Login");
    }

    @Test
    void dropDuringReLoginKeepsRetryingUntilAsteriskIsBack() throws Exception {
        connect(base());
        sim.dropDuringLogin(true);
        server.restart();
        await().until(() -> server.connectionCount() >= 3);     // re-login attempts are dropped, we keep trying
        assertThat(ami.state()).isIn(ConnectionState.RECONNECTING, ConnectionState.CONNECTED);
        assertThat(ami.send(AmiAction.of("Ping"))).failsWithin(Duration.ofSeconds(5))
                .withThrowableThat().withMessageContaining("not logged in");
        sim.dropDuringLogin(false);
        assertThat(ami.awaitState(ConnectionState.LOGGED_IN, Duration.ofSeconds(10))).isTrue();
        assertThat(ami.call(AmiAction.of("Ping")).get("Ping")).isEqualTo("Pong");
    }

    @Test
    void asteriskRestartReconnectsReLogsInAndTellsStateListeners() throws Exception {
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        server = FakeAmiServer.start(sim);
        ami = base().keepAlive(Duration.ofMillis(50)).port(server.port()).username("lab").secret("labsecret").build();
        ami.onState(states::add);
        ami.connect();
        sim.silentOnAction("Command");
        CompletableFuture<AmiResponse> inFlight = ami.send(AmiAction.of("Command").add("Command", "core show version"));
        server.down();
        assertLost(inFlight);
        await().until(() -> states.contains(ConnectionState.RECONNECTING));
        server.up();
        assertThat(ami.awaitState(ConnectionState.LOGGED_IN, Duration.ofSeconds(10))).isTrue();
        assertThat(ami.call(AmiAction.of("Ping")).get("Ping")).isEqualTo("Pong");
        await().untilAsserted(() -> assertThat(states).startsWith(ConnectionState.CONNECTED, ConnectionState.LOGGED_IN,
                ConnectionState.LOST, ConnectionState.RECONNECTING).endsWith(ConnectionState.CONNECTED, ConnectionState.LOGGED_IN));
        assertThat(sim.deniedBeforeLogin()).as("never a keepalive Ping before Login").isZero();
    }

    @Test
    void eventMaskAndFiltersAreRestoredAfterReconnect() throws Exception {
        connect(base().events("off"));
        ami.addFilter("Event: UserEvent").join();
        ami.setEvents("on").join();
        server.restart();
        assertThat(ami.awaitState(ConnectionState.LOGGED_IN, Duration.ofSeconds(10))).isTrue();
        await().until(() -> sim.actions().stream().filter(a -> "Filter".equals(a.action())).count() == 2);
        assertThat(sim.actions()).filteredOn(a -> "Login".equals(a.action())).extracting(a -> a.get("Events"))
                .containsExactly("off", "on");
    }

    @Test
    void garbageAndAOneMebibyteLineAreSkippedAndTheConnectionGoesOn() throws Exception {
        connect(base());
        List<String> events = new CopyOnWriteArrayList<>();
        ami.onEvent("UserEvent", e -> events.add(e.get("UserEvent")));
        byte[] junk = new byte[10_000];
        new Random(1).nextBytes(junk);
        sim.emitRaw(junk);
        sim.emitRaw("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] huge = new byte[1024 * 1024];
        Arrays.fill(huge, (byte) 'x');
        sim.emitRaw("Event: Huge\r\nData: ".getBytes(StandardCharsets.US_ASCII));
        sim.emitRaw(huge);
        sim.emitRaw("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        ami.call(AmiAction.of("UserEvent").add("UserEvent", "after"));
        await().untilAsserted(() -> assertThat(events).containsExactly("after"));
        assertThat(server.connectionCount()).isEqualTo(1);
        assertThat(ami.state()).isEqualTo(ConnectionState.LOGGED_IN);
    }

    @Test
    void slowServerStillWorksAndASilentOneTimesOut() throws Exception {
        sim.lineDelay(Duration.ofMillis(5));
        connect(base());
        assertThat(ami.call(AmiAction.of("Ping")).get("Ping")).isEqualTo("Pong");
        sim.silentOnAction("Ping");
        CompletableFuture<AmiResponse> f = ami.send(AmiAction.of("Ping"), Duration.ofMillis(300));
        assertThat(f).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withCauseInstanceOf(AmiException.Timeout.class).withMessageContaining("no response").withMessageContaining("Action: Ping");
    }

    @Test
    void unansweredKeepaliveDeclaresTheConnectionDeadAndReconnects() throws Exception {
        connect(base().keepAlive(Duration.ofMillis(100)).actionTimeout(Duration.ofMillis(500)));
        sim.silentOnAction("Ping");
        await().until(() -> server.connectionCount() >= 2);
        sim.silentOnAction(null);
        assertThat(ami.awaitState(ConnectionState.LOGGED_IN, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void aSlowListenerNeverStallsTheReaderOrOtherListeners() throws Exception {
        connect(base());
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger slowGot = new AtomicInteger();
        AmiSubscription slow = ami.onEvent(e -> e.isEvent("UserEvent"), e -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            slowGot.incrementAndGet();
        }, 5);
        List<AmiMessage> fast = new CopyOnWriteArrayList<>();
        ami.onEvent("UserEvent", fast::add);
        for (int i = 0; i < 50; i++) ami.send(AmiAction.of("UserEvent").add("UserEvent", "n" + i));
        await().untilAsserted(() -> assertThat(fast).hasSize(50));
        assertThat(fast.get(49).get("UserEvent")).isEqualTo("n49");
        assertThat(ami.call(AmiAction.of("Ping")).get("Ping")).isEqualTo("Pong");
        release.countDown();
        await().untilAsserted(() -> assertThat(slowGot.get()).isBetween(1, 6));   // the rest was dropped, with a warning
        await().untilAsserted(() -> assertThat(slowGot.get() + slow.dropped()).isEqualTo(50));   // and counted
        assertThat(ami.droppedEvents()).isEqualTo(slow.dropped());
    }

    @Test
    void theReaderNeverWaitsForAListenerThatIsWaitingForAResponse() throws Exception {
        // patience far beyond the test: if the reader waited for the listener blocked in call(), its Ping response
        // (behind the events in the stream) would never be read and nothing below would complete
        connect(base().listenerPatience(Duration.ofMinutes(10)));
        List<String> pongs = new CopyOnWriteArrayList<>();
        AmiSubscription sub = ami.onEvent(e -> e.isEvent("UserEvent"), e -> pongs.add(ami.call(AmiAction.of("Ping")).get("Ping")), 4);
        for (int i = 0; i < 40; i++) sim.emit("Event: UserEvent", "UserEvent: n" + i);
        await().untilAsserted(() -> assertThat(pongs.size() + sub.dropped()).isEqualTo(40));
        assertThat(pongs).isNotEmpty().containsOnly("Pong");
        assertThat(ami.call(AmiAction.of("Ping")).get("Ping")).isEqualTo("Pong");
    }

    @Test
    void aListenerMaySendActionsAndWaitForThemWithoutDeadlock() throws Exception {
        connect(base());
        List<String> pongs = new CopyOnWriteArrayList<>();
        ami.onEvent("UserEvent", e -> pongs.add(ami.call(AmiAction.of("Ping")).get("Ping")));   // blocking call inside a listener
        ami.call(AmiAction.of("UserEvent").add("UserEvent", "x"));
        await().untilAsserted(() -> assertThat(pongs).containsExactly("Pong"));
    }

    @Test
    void closeFailsPendingActionsAndLogsOff() throws Exception {
        connect(base());
        sim.silentOnAction("Command");
        CompletableFuture<AmiResponse> f = ami.send(AmiAction.of("Command").add("Command", "x"));
        ami.close();
        assertThat(f).failsWithin(Duration.ofSeconds(5)).withThrowableThat().withCauseInstanceOf(AmiException.ConnectionLost.class);
        assertThat(ami.state()).isEqualTo(ConnectionState.CLOSED);
        await().untilAsserted(() -> assertThat(sim.actions()).extracting(a -> a.action()).contains("Logoff"));
        assertThat(ami.send(AmiAction.of("Ping"))).isCompletedExceptionally();
    }

    @Test
    void aLostConnectionFailsAnOriginateStillWaitingForItsOriginateResponse() throws Exception {
        server = FakeAmiServer.start(s -> {                   // queues the originate, then Asterisk goes away
            s.banner();
            org.tinyphone.sim.ami.AmiFrame login = s.read(Duration.ofSeconds(10));
            s.send("Response: Success", "ActionID: " + login.actionId(), "Message: Authentication accepted");
            org.tinyphone.sim.ami.AmiFrame o = s.read(Duration.ofSeconds(10));
            s.send("Response: Success", "ActionID: " + o.actionId(), "Message: Originate successfully queued");
            Thread.sleep(200);
        });
        ami = base().reconnect(false).port(server.port()).build();
        ami.connect();
        CompletableFuture<OriginateResult> f = ami.originate(Originate.toExtension("PJSIP/100", "default", "600"));
        assertThat(f).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withCauseInstanceOf(AmiException.ConnectionLost.class).withMessageContaining("before the OriginateResponse");
    }

    @Test
    void logoffSentByTheAppClosesWithoutReconnecting() throws Exception {
        connect(base());
        assertThat(ami.call(AmiAction.of("Logoff")).response()).isEqualTo("Goodbye");
        assertThat(ami.awaitState(ConnectionState.CLOSED, Duration.ofSeconds(10))).isTrue();
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    void unreachableAsteriskIsAClearErrorAndActionsNeverWait() {
        // port 1 (tcpmux) is closed on any sane test machine; a just-closed ephemeral port may be reused by a parallel test
        ami = base().port(1).build();
        assertThatThrownBy(() -> ami.connect()).isInstanceOf(AmiException.ConnectionLost.class)
                .hasMessageContaining("cannot connect to Asterisk AMI at 127.0.0.1:1");
        assertThat(ami.send(AmiAction.of("Ping"))).isCompletedExceptionally();
    }

    @Test
    void md5LoginAgainstTheSimulatorAndBadCredentials() throws Exception {
        connect(base().md5(true));
        assertThat(ami.state()).isEqualTo(ConnectionState.LOGGED_IN);
        ManagerConnection bad = ManagerConnection.builder().port(server.port()).username("lab").secret("nope").md5(true)
                .keepAlive(Duration.ZERO).build();
        assertThatThrownBy(bad::connect).isInstanceOf(AmiException.AuthenticationFailed.class);
        bad.close();
    }
}
