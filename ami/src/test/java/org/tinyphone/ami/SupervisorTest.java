package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.ami.codec.AmiDecoder;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * The supervisor through its own seams, without a socket or a real wait: Asterisk is an {@link Session.Opener}
 * whose sessions answer with what a real Asterisk sent (capture 05a: Login, Ping, Logoff), read by the real
 * decoder into the real {@link PendingActions}; time is a {@link Supervisor.Clock} whose every sleep waits for
 * the test. So the states, the backoff between attempts and the keepalive are driven step by step.
 */
class SupervisorTest {
    private static final String CAPTURE = "05a-ami-login-ping-logoff.txt";
    private static final String EOF = "connection closed by Asterisk (EOF)";

    private final Asterisk asterisk = new Asterisk();
    private final TestClock clock = new TestClock();
    private final List<ConnectionState> states = new CopyOnWriteArrayList<>();
    private final List<String> ends = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private Supervisor supervisor;

    @AfterEach
    void tearDown() {
        if (supervisor != null) supervisor.close();
    }

    private Supervisor supervisor(ManagerConnection.Builder b) {
        supervisor = new Supervisor(b.config(), asterisk, clock, () -> "t" + ids.incrementAndGet(), states::add,
                (s, reason) -> ends.add(reason));
        return supervisor;
    }

    /** State listeners are told just after the state is set (awaitState may return first). */
    private void assertStates(ConnectionState... expected) {
        await().untilAsserted(() -> assertThat(states).containsExactly(expected));
    }

    private static ManagerConnection.Builder settings() {
        return ManagerConnection.builder().username("lab").secret("labsecret").keepAlive(Duration.ZERO)
                .reconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4));
    }

    @Test
    void aLostSessionIsReopenedWithDoublingBackoffUntilAsteriskIsBack() {
        supervisor(settings()).connect();
        assertThat(states).containsExactly(ConnectionState.CONNECTED, ConnectionState.LOGGED_IN);

        asterisk.up = false;
        asterisk.session(0).closedByAsterisk();
        assertThat(supervisor.loggedIn()).as("actions fail at once meanwhile").isNull();
        for (long initial : new long[] {1000, 2000, 4000, 4000}) {   // doubles up to the 4 s max, plus up to ¼ jitter
            TestClock.Sleep wait = clock.next();
            assertThat(wait.duration().toMillis()).isBetween(initial, initial + initial / 4);
            wait.wake();
        }
        TestClock.Sleep last = clock.next();
        assertThat(last.duration().toMillis()).isBetween(4000L, 5000L);
        asterisk.up = true;
        last.wake();

        assertThat(supervisor.awaitState(ConnectionState.LOGGED_IN, Duration.ofSeconds(10))).isTrue();
        assertStates(ConnectionState.CONNECTED, ConnectionState.LOGGED_IN, ConnectionState.LOST,
                ConnectionState.RECONNECTING, ConnectionState.CONNECTED, ConnectionState.LOGGED_IN);
        assertThat(asterisk.opens.get()).isEqualTo(1 + 6);
        assertThat(ends).containsExactly(EOF);
        assertThat(asterisk.session(1).sent).extracting(m -> m.get("Action")).containsExactly("Login");
        assertThat(supervisor.loggedIn()).isSameAs(asterisk.session(1));
    }

    @Test
    void anUnansweredKeepalivePingEndsTheSessionAndTheNextOneIsPingedAfterItsLogin() {
        supervisor(settings().keepAlive(Duration.ofSeconds(20)).actionTimeout(Duration.ofMillis(100))).connect();
        TestClock.Sleep first = clock.next();
        assertThat(first.duration()).isEqualTo(Duration.ofSeconds(20));
        asterisk.silentOn = "Ping";
        first.wake();

        await().until(() -> states.stream().filter(s -> s == ConnectionState.LOGGED_IN).count() == 2);
        assertThat(ends).containsExactly("keepalive Ping got no reply within 100 ms");
        assertThat(states).containsExactly(ConnectionState.CONNECTED, ConnectionState.LOGGED_IN, ConnectionState.LOST,
                ConnectionState.RECONNECTING, ConnectionState.CONNECTED, ConnectionState.LOGGED_IN);
        assertThat(asterisk.session(0).sent).extracting(m -> m.get("Action")).containsExactly("Login", "Ping");

        asterisk.silentOn = null;
        TestClock.Sleep second = clock.next();
        assertThat(second.duration()).isEqualTo(Duration.ofSeconds(20));
        second.wake();
        await().untilAsserted(() -> assertThat(asterisk.session(1).sent).extracting(m -> m.get("Action")).containsExactly("Login", "Ping"));
        assertThat(asterisk.session(1).answered).containsExactly("Login", "Ping");
        assertThat(supervisor.state()).isEqualTo(ConnectionState.LOGGED_IN);
    }

    @Test
    void theKeepaliveNeverPingsWhileNotLoggedIn() {
        supervisor(settings().keepAlive(Duration.ofSeconds(20))).connect();
        TestClock.Sleep keepalive = clock.next();
        asterisk.up = false;
        asterisk.session(0).closedByAsterisk();
        TestClock.Sleep backoff = clock.next();                   // the reconnect failed and waits
        assertThat(supervisor.state()).isEqualTo(ConnectionState.RECONNECTING);
        keepalive.wake();
        TestClock.Sleep keepaliveAgain = clock.next();            // its turn came and went without a Ping
        assertThat(keepaliveAgain.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(asterisk.session(0).sent).extracting(m -> m.get("Action")).containsExactly("Login");
        asterisk.up = true;
        backoff.wake();
        assertThat(supervisor.awaitState(ConnectionState.LOGGED_IN, Duration.ofSeconds(10))).isTrue();
        assertThat(asterisk.session(1).sent).extracting(m -> m.get("Action")).containsExactly("Login");
    }

    @Test
    void closeDuringTheBackoffStopsReconnecting() {
        supervisor(settings()).connect();
        asterisk.up = false;
        asterisk.session(0).closedByAsterisk();
        clock.next();
        int opened = asterisk.opens.get();

        assertThat(supervisor.close()).isTrue();
        assertThat(supervisor.close()).as("only once").isFalse();
        assertThat(supervisor.state()).isEqualTo(ConnectionState.CLOSED);
        await().until(clock::interrupted);
        assertThat(asterisk.opens.get()).isEqualTo(opened);
        assertThatThrownBy(supervisor::connect).isInstanceOf(IllegalStateException.class).hasMessage("connection was closed");
    }

    @Test
    void closeWhileLoggedInLogsOffAndAsterisksGoodbyeIsNoLoss() {
        supervisor(settings()).connect();
        supervisor.close();
        assertThat(asterisk.session(0).sent).extracting(m -> m.get("Action")).containsExactly("Login", "Logoff");
        assertThat(states).containsExactly(ConnectionState.CONNECTED, ConnectionState.LOGGED_IN, ConnectionState.CLOSED);
        assertThat(ends).containsExactly(EOF);
        assertThat(asterisk.opens.get()).isEqualTo(1);
    }

    @Test
    void aLogoffSentByTheApplicationClosesWithoutReconnecting() {
        supervisor(settings()).connect();
        AmiResponse bye = ManagerConnection.await(supervisor.loggedIn().send(AmiAction.of("Logoff"), Duration.ofSeconds(5), "mine"));
        assertThat(bye.response()).isEqualTo("Goodbye");
        assertThat(bye.actionId()).isEqualTo("mine");
        assertThat(states).containsExactly(ConnectionState.CONNECTED, ConnectionState.LOGGED_IN, ConnectionState.CLOSED);
        assertThat(asterisk.opens.get()).isEqualTo(1);
    }

    @Test
    void aSessionThatEndsRightAfterLoginIsLoggedInThenLost() {
        asterisk.closeAfterLogin = true;                          // as Asterisk did in 05g (core stop now)
        supervisor(settings().reconnect(false)).connect();
        assertThat(states).containsExactly(ConnectionState.CONNECTED, ConnectionState.LOGGED_IN, ConnectionState.LOST,
                ConnectionState.CLOSED);
        assertThat(asterisk.opens.get()).isEqualTo(1);
    }

    @Test
    void retryFirstConnectKeepsTryingInTheBackground() {
        asterisk.up = false;
        supervisor(settings().retryFirstConnect(true)).connect();  // returns: Asterisk is not up yet
        TestClock.Sleep wait = clock.next();
        assertThat(states).containsExactly(ConnectionState.RECONNECTING);
        assertThat(wait.duration().toMillis()).isBetween(1000L, 1250L);
        asterisk.up = true;
        wait.wake();
        assertThat(supervisor.awaitState(ConnectionState.LOGGED_IN, Duration.ofSeconds(10))).isTrue();
        assertStates(ConnectionState.RECONNECTING, ConnectionState.CONNECTED, ConnectionState.LOGGED_IN);
    }

    @Test
    void withoutRetryFirstConnectAnUnreachableAsteriskIsThrownAtOnce() {
        asterisk.up = false;
        assertThatThrownBy(() -> supervisor(settings()).connect()).isInstanceOf(AmiException.ConnectionLost.class)
                .hasMessageContaining("cannot connect");
        assertThat(states).isEmpty();
        assertThat(clock.asleep).isEmpty();
    }

    /** Asterisk behind the opener: up or not; its sessions answer Login, Ping and Logoff as captured. */
    private static final class Asterisk implements Session.Opener {
        final AtomicInteger opens = new AtomicInteger();
        final List<WireSession> sessions = new CopyOnWriteArrayList<>();
        final AmiMessage loginAccepted = CapturedAsterisk.response(CAPTURE, "good1");
        final AmiMessage pong = CapturedAsterisk.response(CAPTURE, "p1");
        final AmiMessage goodbye = CapturedAsterisk.response(CAPTURE, "bye1");
        volatile boolean up = true;
        volatile String silentOn;
        volatile boolean closeAfterLogin;

        @Override
        public Session open(Consumer<String> onEnd) {
            opens.incrementAndGet();
            if (!up) throw new AmiException.ConnectionLost("cannot connect to Asterisk AMI at 127.0.0.1:5038: Connection refused");
            WireSession s = new WireSession(this, onEnd);
            sessions.add(s);
            return s;
        }

        WireSession session(int i) { return sessions.get(i); }

        void answer(WireSession s, AmiMessage action) {
            String name = action.get("Action");
            if (name.equalsIgnoreCase(silentOn)) return;
            AmiMessage reply = switch (name) {
                case "Login" -> loginAccepted;
                case "Ping" -> pong;
                case "Logoff" -> goodbye;
                default -> throw new AssertionError("unexpected " + action);
            };
            s.answered.add(name);
            s.receive(CapturedAsterisk.answer(reply, action.actionId()));
            if (name.equals("Logoff") || (name.equals("Login") && closeAfterLogin)) s.closedByAsterisk();
        }
    }

    /**
     * A session over an in-memory wire: what we send is encoded as on the socket and decoded for the test;
     * Asterisk's answer goes through the decoder into the pending actions, as the socket reader would pass it.
     */
    private static final class WireSession implements Session, AmiDecoder.Listener {
        final List<AmiMessage> sent = new CopyOnWriteArrayList<>();
        final List<String> answered = new CopyOnWriteArrayList<>();
        private final Asterisk asterisk;
        private final Consumer<String> onEnd;
        private final PendingActions pending = new PendingActions("127.0.0.1:5038", Runnable::run);
        private final AmiDecoder decoder = new AmiDecoder(false);
        private final AtomicBoolean ended = new AtomicBoolean();

        WireSession(Asterisk asterisk, Consumer<String> onEnd) {
            this.asterisk = asterisk;
            this.onEnd = onEnd;
        }

        @Override
        public String banner() { return CapturedAsterisk.banner(CAPTURE); }

        @Override
        public CompletableFuture<AmiResponse> send(AmiAction action, Duration timeout, String actionId) {
            CompletableFuture<AmiResponse> f = new CompletableFuture<>();
            if (ended.get()) {
                f.completeExceptionally(new AmiException.ConnectionLost("gone"));
                return f;
            }
            pending.add(actionId, action.name(), f, timeout);
            AmiMessage onTheWire = AmiMessage.of(new String(action.encode(actionId), StandardCharsets.UTF_8).strip().split("\r\n"));
            sent.add(onTheWire);
            asterisk.answer(this, onTheWire);
            return f;
        }

        void receive(byte[] bytes) { decoder.feed(bytes, 0, bytes.length, this); }

        @Override
        public void onMessage(AmiMessage m) {
            if (m.isResponse()) pending.onResponse(m);
        }

        @Override
        public void onError(String problem) { throw new AssertionError(problem); }

        void closedByAsterisk() { end(EOF); }

        @Override
        public void end(String reason) {
            if (!ended.compareAndSet(false, true)) return;
            pending.failAll(reason);
            onEnd.accept(reason);
        }

        @Override
        public boolean loggedOff() { return pending.loggedOff(); }
    }

    /** Every sleep waits until the test wakes it (or it is interrupted); the test sees each one and its duration. */
    private static final class TestClock implements Supervisor.Clock {
        record Sleep(Duration duration, CountDownLatch go) {
            void wake() { go.countDown(); }
        }

        final List<Sleep> asleep = new CopyOnWriteArrayList<>();
        private final List<Sleep> taken = new CopyOnWriteArrayList<>();
        private volatile boolean interrupted;

        @Override
        public void sleep(Duration d) throws InterruptedException {
            Sleep s = new Sleep(d, new CountDownLatch(1));
            asleep.add(s);
            try {
                s.go().await();
            } catch (InterruptedException e) {
                interrupted = true;
                throw e;
            } finally {
                asleep.remove(s);
            }
        }

        /** The next sleep not yet handed to the test, once some thread sleeps. */
        Sleep next() {
            Sleep[] found = new Sleep[1];
            await().until(() -> {
                for (Sleep s : asleep) {
                    if (!taken.contains(s)) {
                        found[0] = s;
                        return true;
                    }
                }
                return false;
            });
            taken.add(found[0]);
            return found[0];
        }

        boolean interrupted() { return interrupted; }
    }
}
