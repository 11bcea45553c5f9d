package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.sim.ari.AriRequest;
import org.tinyphone.sim.ari.RestFault;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * What an AGI app over ARI is told when the reads at a call's start go wrong, through the simulated Asterisk on real
 * sockets (its REST answering 500, late, not at all): Asterisk's "not set" ({@code ""}, 404 {@code Provided variable
 * was not found}) is final and quiet; a failure that may pass is tried again, and one that does not pass is said in a
 * WARN naming the call and the reason, escaped, instead of passing for a call without a dialed number.
 */
@Timeout(60)
class AgiOverAriStartReadTest {
    /** The client's restTimeout here: a late answer is given up on quickly. */
    private static final Duration REST_TIMEOUT = Duration.ofMillis(400);

    private SimulatedAriAsterisk sim;
    private AriClient ari;
    private CompletableFuture<AgiEnvironment> seen;
    private LogCapture logs;

    @BeforeEach
    void start() {
        logs = new LogCapture();
        seen = new CompletableFuture<>();
        sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
        ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret").restTimeout(REST_TIMEOUT)
                .app("agi", AgiOverAri.app(ch -> seen.complete(ch.environment()))).build();
        ari.connect(Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        ari.close();
        sim.close();
        logs.close();
    }

    /** Places the call and returns the environment its app got. */
    private AgiEnvironment environmentOf(SimulatedAriCall call) throws Exception {
        call.place().await(Duration.ofSeconds(30));
        return seen.get(10, TimeUnit.SECONDS);
    }

    /** The GET channels/{id}/variable?variable=CALLERID(dnid) the simulated Asterisk received for the call. */
    private long dnidReads(String channelId) {
        return sim.httpRequests().stream().filter(r -> r.method().equals("GET") && r.path().equals("channels/" + channelId + "/variable")
                && "CALLERID(dnid)".equals(r.param("variable"))).count();
    }

    private long infoReads() { return sim.httpRequests().stream().map(AriRequest::path).filter("asterisk/info"::equals).count(); }

    private List<String> warnings() {
        return logs.text().lines().filter(l -> l.contains("WARN") && l.contains("AGI over ARI")).toList();
    }

    static Stream<Arguments> failuresThatMayPass() {
        return Stream.of(
                Arguments.of("500 Error With Function", "c-500", RestFault.functionReadFailed(), 3,
                        "the last: GET channels/c-500/variable: 500 (Unable to read provided function)"),
                Arguments.of("an answer later than the client waits", "c-late", RestFault.answerAfter(Duration.ofSeconds(2)), 3,
                        "the last: no answer from Asterisk to GET channels/c-late/variable within 400 ms"),
                Arguments.of("the connection closed without an answer", "c-drop", RestFault.dropConnection(), 100,
                        " to GET channels/c-drop/variable: "));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failuresThatMayPass")
    void aDialedNumberThatCannotBeReadIsTriedThreeTimesThenReportedInsteadOfPassingForNone(String what, String id, RestFault fault,
                                                                                           int times, String reason) throws Exception {
        AgiEnvironment env = environmentOf(sim.call("agi").channelId(id).dnid("13605162099").failVariableReads("CALLERID(dnid)", times, fault));

        assertThat(env.dnid()).as("agi_dnid: unknown, the number was not read").isEmpty();
        assertThat(env.extension()).isEqualTo("ari");
        assertThat(dnidReads(id)).as("three tries (a dropped connection: each also sent once more by the transport)")
                .isGreaterThanOrEqualTo(3);
        if (times == 3) assertThat(dnidReads(id)).isEqualTo(3);
        assertThat(warnings()).singleElement().satisfies(l -> assertThat(l)
                .contains("AGI over ARI: call " + id + " (Local/ari@tp-ari-")
                .contains("its dialed number could not be read: GET CALLERID(dnid) failed 3 time(s), the last: ")
                .contains(reason)
                .endsWith("the app gets agi_dnid 'unknown', as for a call without one (agi_extension 'ari')"));
    }

    @Test
    void aReadThatFailsTwiceAndThenIsAnsweredGivesTheDialedNumberWithoutAWarning() throws Exception {
        AgiEnvironment env = environmentOf(sim.call("agi").channelId("c-again").dnid("13605162099")
                .failVariableReads("CALLERID(dnid)", 1, RestFault.functionReadFailed())
                .failVariableReads("CALLERID(dnid)", 1, RestFault.answerAfter(Duration.ofSeconds(2))));
        assertThat(env.dnid()).isEqualTo("13605162099");
        assertThat(dnidReads("c-again")).isEqualTo(3);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void overAsterisksOutboundWebSocketA500AMissingAndALateRESTResponseAreTriedAgainAndSaid() throws Exception {
        CompletableFuture<AgiEnvironment> out = new CompletableFuture<>();
        try (OutboundAriServer server = OutboundAriServer.builder().port(0).restTimeout(REST_TIMEOUT)
                .app("tinyphone-out", AgiOverAri.app(ch -> out.complete(ch.environment()))).build().start()) {
            sim.outbound("tinyphone-out", URI.create("ws://127.0.0.1:" + server.port() + "/ari-out"), null, null, Duration.ofMillis(100));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sim.connectedApps().contains("tinyphone-out"));
            sim.call("tinyphone-out").channelId("c-ws").dnid("13605162099")
                    .failVariableReads("CALLERID(dnid)", 1, RestFault.functionReadFailed())
                    .failVariableReads("CALLERID(dnid)", 1, RestFault.dropConnection())      // over a WebSocket: never answered
                    .failVariableReads("CALLERID(dnid)", 1, RestFault.answerAfter(Duration.ofSeconds(2)))
                    .place().await(Duration.ofSeconds(30));
            assertThat(out.get(10, TimeUnit.SECONDS).dnid()).isEmpty();
        }
        assertThat(warnings()).singleElement().satisfies(l -> assertThat(l)
                .contains("AGI over ARI: call c-ws (Local/ari@tp-ari-")
                .contains("GET CALLERID(dnid) failed 3 time(s), the last: no RESTResponse from Asterisk to GET channels/c-ws/variable within 400 ms"));
    }

    @Test
    void aCallWithoutADialedNumberFallsBackQuietlyAfterOneRead() throws Exception {
        AgiEnvironment env = environmentOf(sim.call("agi").channelId("c-none").dnid(""));   // Asterisk: 200 {"value":""}
        assertThat(env.dnid()).isEmpty();
        assertThat(env.extension()).isEqualTo("ari");
        assertThat(dnidReads("c-none")).isEqualTo(1);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void anUnsetVariableAnswer404IsNotSetAndFinal() throws Exception {
        AgiEnvironment env = environmentOf(sim.call("agi").channelId("c-404").failVariableReads("CALLERID(dnid)", 3,
                RestFault.variableNotFound()));
        assertThat(env.dnid()).isEmpty();
        assertThat(dnidReads("c-404")).isEqualTo(1);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aChannelAlreadyGoneIsNotAskedAgainButSaidSo() throws Exception {
        AgiEnvironment env = environmentOf(sim.call("agi").channelId("c-gone").failVariableReads("CALLERID(dnid)", 3,
                RestFault.answer(404, "Channel Not Found", "Provided channel was not found")));
        assertThat(env.dnid()).isEmpty();
        assertThat(dnidReads("c-gone")).as("a 4xx is Asterisk's last word").isEqualTo(1);
        assertThat(warnings()).singleElement().satisfies(l -> assertThat(l)
                .contains("GET CALLERID(dnid) failed 1 time(s), the last: GET channels/c-gone/variable: 404 (Provided channel was not found)"));
    }

    @Test
    void whatAsteriskSaysInTheFailureIsEscapedInTheWarning() throws Exception {
        environmentOf(sim.call("agi").channelId("c-evil").failVariableReads("CALLERID(dnid)", 3,
                RestFault.answer(503, "Busy", "overloaded\n12:00:00.000 [main] INFO FAKE LINE \u001b[31m")));
        assertThat(warnings()).singleElement().satisfies(l -> assertThat(l)
                .contains("503 (overloaded\\n12:00:00.000 [main] INFO FAKE LINE \\x1b[31m)"));
        assertThat(logs.text()).doesNotContain("\u001b").doesNotContain("\n12:00:00.000 [main] INFO FAKE LINE");
    }

    @Test
    void asterisksVersionThatCannotBeReadIsTriedAgainAndSaidSo() throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> infoReads() == 1);   // the first connection's read, answered
        ari.close();   // a connection of its own: its version read fails from the start
        sim.failRequests(r -> r.path().equals("asterisk/info"), 100, RestFault.answer(500, "Internal Server Error", "Allocation failed"));
        ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret").restTimeout(REST_TIMEOUT)
                .app("agi", AgiOverAri.app(ch -> seen.complete(ch.environment()))).build();
        ari.connect(Duration.ofSeconds(5));
        AgiEnvironment env = environmentOf(sim.call("agi").channelId("c-version"));
        assertThat(env.version()).as("agi_version: unknown").isEmpty();
        assertThat(env.dnid()).isEqualTo("13605162099");
        // the read at connect fails its 3 tries; the call waits for it, or if it had already failed, reads anew (3 more)
        assertThat(infoReads() - 1).isIn(3L, 6L);
        assertThat(warnings()).singleElement().satisfies(l -> assertThat(l)
                .contains("AGI over ARI: call c-version (Local/ari@tp-ari-")
                .contains("Asterisk's version could not be read: GET asterisk/info failed 3 time(s), the last: GET asterisk/info: 500 (Allocation failed)")
                .endsWith("the app gets agi_version 'unknown'"));
    }
}
