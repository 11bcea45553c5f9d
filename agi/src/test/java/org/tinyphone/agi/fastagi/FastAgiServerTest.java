package org.tinyphone.agi.fastagi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.AgiProtocolException;
import org.tinyphone.sim.agi.AgiPeer;
import org.tinyphone.sim.agi.FastAgiEnvironment;
import org.tinyphone.sim.agi.SimulatedAgiCall;

/** End to end through real sockets: routing, refusals, hangups, bad peers, load and shutdown. */
@Timeout(120)
class FastAgiServerTest {
    private FastAgiServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close(Duration.ofSeconds(2));
    }

    private FastAgiServer start(FastAgiServer.Builder b) throws IOException {
        server = b.bind("127.0.0.1").port(0).start();
        return server;
    }

    private SimulatedAgiCall call(String script) {
        return SimulatedAgiCall.to("127.0.0.1", server.port(), script).readTimeout(Duration.ofSeconds(30));
    }

    private static AgiApp says(String name) {
        return ch -> ch.verbose(name + " " + ch.environment().scriptPath() + " " + ch.environment().query());
    }

    @Test
    void portZeroBindsAnEphemeralPortAndDefaultsAreAsterisks() throws IOException {
        start(FastAgiServer.builder().route("/x", says("x")));
        assertThat(server.port()).isPositive().isNotEqualTo(FastAgiServer.DEFAULT_PORT);
        assertThat(server.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(FastAgiServer.DEFAULT_PORT).isEqualTo(4573);
    }

    @Test
    void routesByExactPathAndPatternWithQuery() throws IOException {
        start(FastAgiServer.builder().route("/hello", says("exact")).route("/ivr/*", says("pattern"))
                .route("sales", says("noslash")));
        assertThat(call("hello?lang=en").run().verbose()).containsExactly("exact /hello {lang=en}");
        assertThat(call("ivr/menu/2").run().verbose()).containsExactly("pattern /ivr/menu/2 {}");
        assertThat(call("/sales").run().verbose()).containsExactly("noslash /sales {}");
        assertThat(call("ivr").run().verbose()).allMatch(v -> v.contains("no app for path /ivr"));
        assertThat(server.totalCalls()).isEqualTo(4);
    }

    @Test
    void aBuiltServerKeepsItsRoutesWhenTheBuilderGoesOn() throws IOException {
        FastAgiServer.Builder b = FastAgiServer.builder().route("/hello", says("hello"));
        start(b);
        b.route("/later", says("later")).fallback(says("fallback")); // e.g. the builder reused for a second server
        assertThat(call("later").run().verbose()).singleElement().asString().contains("no app for path /later");
        assertThat(call("hello").run().verbose()).containsExactly("hello /hello {}");
    }

    @Test
    void unknownPathGetsAVerboseNamingItAndTheDialplanGoesOn() throws IOException {
        start(FastAgiServer.builder().route("/hello", says("hello")));
        SimulatedAgiCall.Result r = call("nope?x=1").run();
        assertThat(r.commands()).hasSize(1);
        assertThat(r.verbose()).singleElement().asString().contains("/nope").contains("dialplan continues");
        assertThat(r.appClosed()).isTrue();
        assertThat(r.agiStatus()).isEqualTo("SUCCESS");
        assertThat(call("hello").run().verbose()).containsExactly("hello /hello {}"); // server fine
    }

    @Test
    void unknownPathWithAControlCharacterIsStillRefusedWithAVerbose() throws IOException {
        start(FastAgiServer.builder().route("/hello", says("hello")));
        SimulatedAgiCall.Result r = call("bad\rpath").run();
        assertThat(r.verbose()).singleElement().asString().contains("no app for path /bad?path");
    }

    @Test
    void fallbackAppTakesUnknownPaths() throws IOException {
        start(FastAgiServer.builder().fallback(says("fallback")));
        assertThat(call("anything").run().verbose()).containsExactly("fallback /anything {}");
    }

    @Test
    void hangupDuringAPromptEndsTheNextCommandAndCleanUpStillRuns() throws Exception {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        start(FastAgiServer.builder().route("/hup", ch -> {
            ch.answer();
            try {
                assertThat(ch.streamFile("tt-monkeys").failed()).isTrue();
                ch.streamFile("goodbye");
            } catch (AgiHangupException e) {
                seen.set(e);
                ch.verbose("clean-up after " + e.getMessage());
                ch.setVariable("RESULT", "hungup");
            }
        }));
        SimulatedAgiCall.Result r = call("hup").hangupDuring("tt-monkeys").run();
        assertThat(seen.get()).isInstanceOf(AgiHangupException.class);
        assertThat(r.verbose()).singleElement().asString().startsWith("clean-up after caller hung up");
        assertThat(r.variables()).containsEntry("RESULT", "hungup");
        assertThat(r.agiStatus()).isEqualTo("HANGUP");
        assertThat(r.wire()).extracting(AgiPeer.WireLine::text).containsSubsequence("STREAM FILE tt-monkeys \"\"",
                "200 result=-1 endpos=8320", "STREAM FILE goodbye \"\"", "HANGUP",
                "511 Command Not Permitted on a dead channel or intercept routine");
    }

    @Test
    void hangupWhileWaitingForeverFailsTheWaitAndTheNextCommandThrows() throws Exception {
        CountDownLatch got = new CountDownLatch(1);
        List<String> keys = new CopyOnWriteArrayList<>();
        start(FastAgiServer.builder().route("/wait", ch -> {
            try {
                while (true) {
                    var r = ch.waitForDigit(-1);
                    keys.add(r.pressed() ? String.valueOf(r.digit()) : r.failed() ? "failed" : "none");
                }
            } catch (AgiHangupException e) {
                got.countDown();
            }
        }));
        SimulatedAgiCall.Result r = call("wait").keys("12").run();
        assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(keys).containsExactly("1", "2", "failed"); // Asterisk replies -1 first, then writes HANGUP
        assertThat(r.commands()).containsExactly("WAIT FOR DIGIT -1", "WAIT FOR DIGIT -1", "WAIT FOR DIGIT -1",
                "WAIT FOR DIGIT -1");
        assertThat(r.wire()).extracting(Object::toString).endsWith(">> WAIT FOR DIGIT -1", "<< HANGUP",
                "<< 511 Command Not Permitted on a dead channel or intercept routine", "<< HANGUP");
    }

    @Test
    void exitOnHangupClosesAndTheAppSeesAHangup() throws Exception {
        CountDownLatch got = new CountDownLatch(1);
        start(FastAgiServer.builder().route("/x", ch -> {
            ch.answer();
            try {
                ch.noop();
                ch.noop();
            } catch (AgiHangupException e) {
                got.countDown();
            }
        }));
        call("x").hangupAfter(1).exitOnHangup().run();
        assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anAppThatThrowsEndsOnlyItsCall() throws IOException {
        start(FastAgiServer.builder().route("/boom", ch -> {
            ch.answer();
            throw new IllegalStateException("boom");
        }).route("/ok", says("ok")));
        SimulatedAgiCall.Result r = call("boom").run();
        assertThat(r.verbose()).singleElement().asString().contains("/boom").contains("IllegalStateException");
        assertThat(r.appClosed()).isTrue();
        assertThat(server.failedCalls()).isEqualTo(1);
        assertThat(call("ok").run().verbose()).containsExactly("ok /ok {}");
    }

    @Test
    void anAppThatOverflowsItsStackEndsOnlyItsCall() throws IOException {
        start(FastAgiServer.builder().route("/deep", new AgiApp() {
            int depth(int n) { return depth(n + 1) + 1; }

            @Override
            public void run(org.tinyphone.agi.AgiChannel ch) {
                depth(0);
            }
        }).route("/ok", says("ok")));
        assertThat(call("deep").run().appClosed()).isTrue();
        assertThat(call("ok").run().verbose()).containsExactly("ok /ok {}");
    }

    @Test
    void peersOutsideTheAllowListAreClosedUnheard() throws IOException {
        start(FastAgiServer.builder().allowFrom(a -> !a.isLoopbackAddress()).route("/ok", says("ok")));
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(10), null)) {
            peer.sendEnvironment(FastAgiEnvironment.forScript("ok").lines());
            try {
                assertThat(peer.readLine()).isNull(); // no VERBOSE, no app: just closed
            } catch (SocketException reset) {
                // closed with our environment unread: a reset is a close too
            }
        }
        assertThat(server.stats().refusedByAllowList()).isEqualTo(1);
        assertThat(server.totalCalls()).isZero();
    }

    @Test
    void malformedEnvironmentIsRefusedAndTheServerStaysUp() throws IOException {
        start(FastAgiServer.builder().route("/ok", says("ok")));
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(10), null)) {
            peer.sendRaw("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(peer.readLine()).isNull(); // closed without a word: it is not Asterisk
        }
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(10), null)) {
            peer.sendRaw("agi_network: yes\nagi_channel\n\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(peer.readLine()).isNull();
        }
        assertThat(server.failedCalls()).isEqualTo(2);
        assertThat(call("ok").run().verbose()).containsExactly("ok /ok {}");
    }

    @Test
    void oneMebibyteLineIsRejectedTheConnectionClosedAndTheServerFine() throws Exception {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        start(FastAgiServer.builder().route("/big", ch -> {
            try {
                ch.getVariable("BIG");
            } catch (AgiProtocolException e) {
                seen.set(e);
                throw e;
            }
        }).route("/ok", says("ok")));
        String mib = "x".repeat(1024 * 1024);
        // in the environment
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(10), null)) {
            try {
                peer.sendRaw(("agi_network: yes\nagi_network_script: ok\nagi_channel: " + mib + "\n\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(peer.readLine()).isNull();
            } catch (SocketException reset) {
                // the server closed with our megabyte unread: a reset is a close too
            }
        }
        // as a reply
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(10), null)) {
            peer.sendEnvironment(FastAgiEnvironment.forScript("big").lines());
            assertThat(peer.readLine()).isEqualTo("GET VARIABLE BIG");
            try {
                peer.sendRaw(("200 result=1 (" + mib + ")\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(peer.readLine()).isNull();
            } catch (SocketException reset) {
                // same as above
            }
        }
        assertThat(seen.get()).isInstanceOf(AgiProtocolException.class).hasMessageContaining("line longer than 65536 bytes");
        assertThat(call("ok").run().verbose()).containsExactly("ok /ok {}");
    }

    @Test
    void aPeerThatNeverFinishesItsEnvironmentIsClosedAfterTheTimeout() throws IOException {
        start(FastAgiServer.builder().environmentTimeout(Duration.ofMillis(300)).route("/ok", says("ok")));
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(20), null)) {
            peer.sendRaw("agi_network: yes\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(peer.readLine()).isNull();
        }
        assertThat(server.stats().closedByDeadline()).isEqualTo(1);
        assertThat(call("ok").run().verbose()).containsExactly("ok /ok {}");
    }

    @Test
    void aCallOverTheCapIsClosedAtOnceAndCountedAndCallsGoOnWhenOneEnds() throws Exception {
        CountDownLatch inCall = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(FastAgiServer.builder().maxConnections(1).route("/park", ch -> {
            inCall.countDown();
            release.await();
            ch.verbose("released");
        }).route("/ok", says("ok")));
        CompletableFuture<SimulatedAgiCall.Result> parked = CompletableFuture.supplyAsync(() -> {
            try {
                return call("park").run();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(inCall.await(30, TimeUnit.SECONDS)).isTrue();
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(20), null)) {
            try {
                assertThat(peer.readLine()).isNull(); // closed before the environment was read: no app, no VERBOSE
            } catch (SocketException reset) {
                // closed at once: a reset is a close too
            }
        }
        assertThat(server.stats().refusedByCap()).isEqualTo(1);
        release.countDown();
        assertThat(parked.get(30, TimeUnit.SECONDS).verbose()).containsExactly("released");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> server.activeCalls() == 0);
        assertThat(call("ok").run().verbose()).containsExactly("ok /ok {}");
        assertThat(server.totalCalls()).isEqualTo(2);
    }

    @Test
    void aPeerThatDripsItsEnvironmentSlowlyIsClosedAtTheDeadlineToo() throws IOException {
        start(FastAgiServer.builder().environmentTimeout(Duration.ofMillis(500)).route("/ok", says("ok")));
        boolean closed = false;
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofMillis(100), null)) {
            for (int i = 0; !closed && System.nanoTime() < giveUp; i++) {
                try {
                    peer.sendRaw(("agi_line_" + i + ": each one arrives within the read timeout\n").getBytes(StandardCharsets.US_ASCII));
                    closed = peer.readLine() == null;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // no answer yet: keep dripping
                } catch (SocketException reset) {
                    closed = true;
                }
            }
        }
        assertThat(closed).isTrue();
        assertThat(call("ok").run().verbose()).containsExactly("ok /ok {}");
    }

    @Test
    void replyTimeoutEndsACallWhosePeerWentSilent() throws Exception {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        start(FastAgiServer.builder().replyTimeout(Duration.ofMillis(300)).route("/x", ch -> {
            try {
                ch.noop();
            } catch (RuntimeException e) {
                seen.set(e);
            }
        }));
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(20), null)) {
            peer.sendEnvironment(FastAgiEnvironment.forScript("x").lines());
            assertThat(peer.readLine()).isEqualTo("NOOP");
            assertThat(peer.readLine()).isNull(); // we never answered: the server gave up and closed
        }
        assertThat(seen.get()).hasMessageContaining("no reply from Asterisk to 'NOOP'");
    }

    @Test
    void aThousandConcurrentCallsAllComplete() throws Exception {
        int calls = 1000;
        CountDownLatch allIn = new CountDownLatch(calls);
        start(FastAgiServer.builder().route("/load", ch -> {
            ch.answer();
            allIn.countDown();
            if (!allIn.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("not all calls arrived");
            String id = ch.environment().uniqueId();
            ch.setVariable("SEEN", id);
            ch.streamFile("beep");
            ch.hangup();
        }));
        List<Future<SimulatedAgiCall.Result>> results = new ArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < calls; i++) {
                results.add(pool.submit(() -> {
                    try {
                        return call("load").readTimeout(Duration.ofSeconds(60)).run();
                    } catch (Throwable t) {
                        errors.add(t);
                        throw t;
                    }
                }));
            }
            assertThat(allIn.await(60, TimeUnit.SECONDS)).as("all calls in progress at once").isTrue();
            for (Future<SimulatedAgiCall.Result> f : results) {
                SimulatedAgiCall.Result r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.commands()).containsExactly("ANSWER", "SET VARIABLE SEEN " + r.variables().get("SEEN"),
                        "STREAM FILE beep \"\"", "HANGUP");
                assertThat(r.agiStatus()).isEqualTo("HANGUP");
            }
        }
        assertThat(errors).isEmpty();
        assertThat(server.totalCalls()).isEqualTo(calls);
        assertThat(server.failedCalls()).isZero();
    }

    @Test
    void gracefulCloseLetsACallInProgressFinishAndRefusesNewOnes() throws Exception {
        CountDownLatch inCall = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(FastAgiServer.builder().route("/slow", ch -> {
            ch.answer();
            inCall.countDown();
            release.await(30, TimeUnit.SECONDS);
            ch.verbose("finished");
        }));
        int port = server.port();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        CompletableFuture<SimulatedAgiCall.Result> call = CompletableFuture.supplyAsync(() -> {
            try {
                return call("slow").run();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, threads);
        assertThat(inCall.await(20, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(() -> server.close(Duration.ofSeconds(30)), threads);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class));
        assertThat(closed).isNotDone();
        release.countDown();
        assertThat(closed.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(call.get(30, TimeUnit.SECONDS).verbose()).containsExactly("finished");
        threads.shutdown();
    }

    @Test
    void closeAfterTheGracePeriodEndsCallsThatWillNotFinish() throws Exception {
        CountDownLatch inCall = new CountDownLatch(1);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        start(FastAgiServer.builder().route("/stuck", ch -> {
            inCall.countDown();
            try {
                ch.waitForDigit(-1); // the simulated peer is told to hold it (it never gets an answer)
            } catch (RuntimeException e) {
                seen.set(e);
            }
        }));
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(20), null)) {
            peer.sendEnvironment(FastAgiEnvironment.forScript("stuck").lines());
            assertThat(peer.readLine()).isEqualTo("WAIT FOR DIGIT -1");
            assertThat(inCall.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(server.close(Duration.ofMillis(200))).isFalse();
            assertThat(server.activeCalls()).isZero();
        }
        assertThat(seen.get()).isInstanceOf(AgiHangupException.class);
    }

    // how a call ends: no drain wait when Asterisk has nothing more to send, a half-close and drain otherwise.
    // drainTimeout is an hour here, so a server that drained when it need not would keep the call open.

    @Test
    void afterOwnHangupAndItsNoticeTheServerClosesAtOnceWithAPlainFin() throws Exception {
        start(FastAgiServer.builder().drainTimeout(Duration.ofHours(1)).route("/x", ch -> {
            ch.answer();
            ch.hangup();
        }));
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(30), null)) {
            peer.sendEnvironment(FastAgiEnvironment.forScript("x").lines());
            assertThat(peer.readLine()).isEqualTo("ANSWER");
            peer.send("200 result=0");
            assertThat(peer.readLine()).isEqualTo("HANGUP");
            peer.sendRaw("200 result=1\nHANGUP\n".getBytes(StandardCharsets.US_ASCII)); // reply and notice (03e)
            assertThat(peer.readLine()).isNull(); // EOF, not a reset: Asterisk sees the script end
            // our side is still open: the server did not wait for it
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> server.activeCalls() == 0);
        }
    }

    @Test
    void anAppThatReturnsWithTheChannelUpHalfClosesAndReadsAsterisksLastHangup() throws Exception {
        start(FastAgiServer.builder().drainTimeout(Duration.ofHours(1)).route("/x", ch -> ch.answer()));
        try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port(), Duration.ofSeconds(30), null)) {
            peer.sendEnvironment(FastAgiEnvironment.forScript("x").lines());
            assertThat(peer.readLine()).isEqualTo("ANSWER");
            peer.send("200 result=0");
            assertThat(peer.readLine()).isNull(); // the server's FIN (03f: "script closes early")
            assertThat(server.activeCalls()).isEqualTo(1); // still reading what Asterisk sends before it closes
            peer.send("HANGUP"); // as Asterisk does after our FIN, then it closes
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> server.activeCalls() == 0);
    }

    @Test
    void keepAliveTimersAreOptionalAndChecked() throws Exception {
        start(FastAgiServer.builder().keepAliveTimers(Duration.ofSeconds(30), Duration.ofSeconds(5), 3)
                .route("/ok", says("ok")));
        assertThat(call("ok").run().verbose()).containsExactly("ok /ok {}");
        assertThatThrownBy(() -> FastAgiServer.builder().keepAliveTimers(Duration.ZERO, Duration.ofSeconds(5), 3))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FastAgiServer.builder().keepAliveTimers(Duration.ofSeconds(30), Duration.ofMillis(500), 3))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FastAgiServer.builder().keepAliveTimers(Duration.ofSeconds(30), Duration.ofSeconds(5), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
