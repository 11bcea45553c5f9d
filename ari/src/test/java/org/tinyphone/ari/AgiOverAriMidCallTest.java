package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.DigitResult;
import org.tinyphone.sim.ari.AriRequest;
import org.tinyphone.sim.ari.RestFault;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * One REST request that Asterisk fails in the middle of a call (500, an answer later than the client waits, the
 * connection closed without an answer) while the channel is up and the events WebSocket fine, through the simulated
 * Asterisk on real sockets: the AGI command gets AGI's failure answer, a WARN names the call, the command and the
 * reason, and the call goes on (a later key still arrives). Only Asterisk saying the channel is gone ends it. Reads
 * are tried again; a command with effects is never sent twice. And Asterisk's version is read once per connection.
 */
@Timeout(60)
class AgiOverAriMidCallTest {
    /** The client's restTimeout here: a late answer is given up on quickly. */
    private static final Duration REST_TIMEOUT = Duration.ofMillis(400);

    private SimulatedAriAsterisk sim;
    private AriClient ari;
    private LogCapture logs;
    private final Map<String, AgiApp> apps = new ConcurrentHashMap<>();
    private final List<AriConnectionState> states = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        logs = new LogCapture();
        sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").playbackMillis(m -> 20).start();
    }

    private void connect() {
        ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret").restTimeout(REST_TIMEOUT)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).onState(states::add)
                .app("agi", AgiOverAri.app(ch -> apps.get(ch.environment().args().get(0)).run(ch))).build();
        ari.connect(Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        if (ari != null) ari.close();
        sim.close();
        logs.close();
    }

    private List<String> warnings() {
        return logs.text().lines().filter(l -> l.contains("WARN") && l.contains("AGI over ARI")).toList();
    }

    private long requests(Predicate<AriRequest> which) { return sim.httpRequests().stream().filter(which).count(); }

    private static Predicate<AriRequest> play(String channel) {
        return r -> r.method().equals("POST") && r.path().equals("channels/" + channel + "/play");
    }

    static Stream<Arguments> hiccups() {
        return Stream.of(
                Arguments.of("500 Internal Server Error", "m-500", RestFault.answer(500, "Internal Server Error", "Allocation failed"), 1,
                        "POST channels/m-500/play: 500 (Allocation failed)"),
                Arguments.of("an answer later than the client waits", "m-late", RestFault.answerAfter(Duration.ofSeconds(2)), 1,
                        "no answer from Asterisk to POST channels/m-late/play within 400 ms"),
                // a connection that ends without a byte of answer is what Asterisk's idle close does to a request it never
                // took, so the transport sends it once more on a new connection (AriWireTest); both dropped here
                Arguments.of("the connection closed without an answer, twice", "m-drop", RestFault.dropConnection(), 2,
                        "no answer from Asterisk at http://127.0.0.1:"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hiccups")
    void aPlayAsteriskFailsGetsAgisFailureAnswerAndTheCallGoesOnToTheNextKey(String what, String id, RestFault fault, int sent,
                                                                           String reason) throws Exception {
        connect();
        CompletableFuture<DigitResult> played = new CompletableFuture<>();
        CompletableFuture<Object> next = new CompletableFuture<>();
        apps.put("a", ch -> {
            ch.answer();
            played.complete(ch.streamFile("hello-world", ""));
            try {
                next.complete(ch.waitForDigit(10_000));
            } catch (AgiHangupException e) {
                next.complete(e);
            }
            ch.hangup();
        });
        sim.failRequests(play(id), sent, fault);
        SimulatedAriCall call = sim.call("agi").channelId(id).args("a").giveUpAfter(Duration.ofMinutes(1)).place();

        DigitResult r = played.get(10, TimeUnit.SECONDS);
        assertThat(r.failed()).as("STREAM FILE answered 200 result=-1 endpos=0").isTrue();
        assertThat(r.code()).isEqualTo(-1);
        call.press('5');
        assertThat(next.get(10, TimeUnit.SECONDS)).as("the call went on: the next key arrived")
                .isInstanceOfSatisfying(DigitResult.class, d -> assertThat(d.digit()).isEqualTo('5'));
        assertThat(call.await(Duration.ofSeconds(10)).outcome()).as("the app hung up at the end").isEqualTo("hungup");
        assertThat(requests(play(id))).as("a play unanswered in time is never sent again: Asterisk may have done it").isEqualTo(sent);
        assertThat(warnings()).singleElement().satisfies(l -> assertThat(l)
                .contains("AGI over ARI: call " + id + " (Local/ari@tp-ari-")
                .contains("'STREAM FILE hello-world \"\"' failed: ")
                .contains(reason)
                .endsWith("the app gets '200 result=-1 endpos=0', the call goes on"));
    }

    @Test
    void aChannelAsteriskSaysIsGoneEndsTheCallAsAHangup() throws Exception {
        connect();
        CompletableFuture<Object> got = new CompletableFuture<>();
        apps.put("a", ch -> {
            try {
                got.complete(ch.streamFile("hello-world", ""));
            } catch (AgiHangupException e) {
                got.complete(e);
            }
            got.complete(ch.isHungUp());
        });
        sim.failRequests(play("m-gone"), 1, RestFault.answer(404, "Not Found", "Channel not found"));
        sim.call("agi").channelId("m-gone").args("a").place();
        assertThat(got.get(10, TimeUnit.SECONDS)).isInstanceOf(AgiHangupException.class);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aReadThatFailsOnceIsAskedAgainAndAnswered() throws Exception {
        connect();
        CompletableFuture<Object> got = new CompletableFuture<>();
        apps.put("a", ch -> got.complete(ch.getVariable("ACCOUNT")));
        sim.call("agi").channelId("m-read").args("a").variable("ACCOUNT", "4711")
                .failVariableReads("ACCOUNT", 1, RestFault.functionReadFailed())
                .failVariableReads("ACCOUNT", 1, RestFault.answerAfter(Duration.ofSeconds(2))).place().await(Duration.ofSeconds(20));
        assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(java.util.Optional.of("4711"));
        assertThat(requests(r -> r.method().equals("GET") && "ACCOUNT".equals(r.param("variable")))).isEqualTo(3);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aReadThatKeepsFailingIsNotSetForTheAppAndSaidAndTheCallGoesOn() throws Exception {
        connect();
        CompletableFuture<Object> got = new CompletableFuture<>();
        apps.put("a", ch -> {
            got.complete(ch.getVariable("ACCOUNT"));
            ch.streamFile("hello-world", "");
            ch.hangup();
        });
        SimulatedAriCall.Result r = sim.call("agi").channelId("m-unread").args("a").variable("ACCOUNT", "4711")
                .failVariableReads("ACCOUNT", 3, RestFault.functionReadFailed()).place().await(Duration.ofSeconds(20));
        assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(java.util.Optional.empty());
        assertThat(r.played()).containsExactly("sound:hello-world");
        assertThat(r.outcome()).isEqualTo("hungup");
        assertThat(warnings()).singleElement().satisfies(l -> assertThat(l)
                .contains("AGI over ARI: call m-unread (Local/ari@tp-ari-")
                .contains("'GET VARIABLE ACCOUNT' failed (tried 3 times): GET channels/m-unread/variable: 500 (Unable to read provided function)")
                .endsWith("the app gets '200 result=0', the call goes on"));
    }

    @Test
    void aSetVariableAnsweredLateIsNotSentAgain() throws Exception {
        connect();
        CompletableFuture<Object> next = new CompletableFuture<>();
        apps.put("a", ch -> {
            ch.setVariable("RESULT", "ok");
            next.complete(ch.isHungUp());
        });
        Predicate<AriRequest> set = r -> r.method().equals("POST") && r.path().equals("channels/m-set/variable");
        sim.failRequests(set, 1, RestFault.answerAfter(Duration.ofSeconds(1)));
        sim.call("agi").channelId("m-set").args("a").place().await(Duration.ofSeconds(20));
        assertThat(next.get(10, TimeUnit.SECONDS)).as("no hangup").isEqualTo(false);
        assertThat(requests(set)).isEqualTo(1);
        assertThat(warnings()).singleElement().asString().contains("'SET VARIABLE RESULT ok' failed: no answer from Asterisk")
                .endsWith("the app gets '200 result=-1', the call goes on");
    }

    @Test
    void asterisksVersionIsReadOncePerConnectionAndCallsThatStartMeanwhileWaitForThatRead() throws Exception {
        Predicate<AriRequest> info = r -> r.method().equals("GET") && r.path().equals("asterisk/info");
        sim.failRequests(info, 1, RestFault.answerAfter(Duration.ofMillis(300)));   // slow, so the calls start before it is known
        connect();
        List<String> versions = new CopyOnWriteArrayList<>();
        apps.put("v", ch -> versions.add(ch.environment().version()));
        List<SimulatedAriCall> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) calls.add(sim.call("agi").args("v").place());
        for (SimulatedAriCall c : calls) c.await(Duration.ofSeconds(20));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> versions.size() == 5);
        assertThat(versions).containsOnly("22.10.1");
        assertThat(requests(info)).as("one GET asterisk/info for the connection, none per call").isEqualTo(1);

        sim.dropEventConnections();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(AriConnectionState.RECONNECTED));
        for (int i = 0; i < 3; i++) sim.call("agi").args("v").place().await(Duration.ofSeconds(20));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> versions.size() == 8);
        assertThat(requests(info)).as("read again on the new connection: Asterisk may have been upgraded").isEqualTo(2);
        assertThat(warnings()).isEmpty();
    }
}
