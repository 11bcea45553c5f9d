package org.tinyphone.server.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tinyphone.ari.AriClient;
import org.tinyphone.ari.AriConnectionState;
import org.tinyphone.server.LogCapture;
import org.tinyphone.sim.ari.AriRequest;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.sim.ari.RestFault;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * Calls over ARI into the bridge app ({@link AriIngress#bridgeApp}) through the simulated Asterisk on real sockets:
 * which number a call is routed by when Asterisk fails to say its dialed number, what an app's command gets when
 * Asterisk fails its request mid-call (the call goes on), how often Asterisk's version is asked for, and where Asterisk
 * is told to connect for a call's audio (externalMedia's {@code external_host}).
 */
@Timeout(60)
class AriIngressTest {
    private static final String DIALED = "13605162099";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private SimulatedAriAsterisk asterisk;
    private AriClient ari;
    private Bridge bridge;
    private final RecordingSubscriber dialed = new RecordingSubscriber();
    private final RecordingSubscriber extension = new RecordingSubscriber();
    private LogCapture logs;

    @BeforeEach
    void start() {
        logs = LogCapture.begin();
        bridge = new Bridge();
        bridge.subscribe(DIALED, dialed);
        bridge.subscribe("ari", extension);   // the sim's calls enter Stasis from extension 'ari' (capture 09a's dialplan)
        asterisk = SimulatedAriAsterisk.builder().user("tinyphone", "s3cret").start();
        ari = AriClient.builder().url(asterisk.url()).credentials("tinyphone", "s3cret").restTimeout(Duration.ofMillis(400))
                .app("tinyphone", AriIngress.bridgeApp(bridge, null)).build();
        ari.connect(Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        ari.close();
        asterisk.close();
        bridge.close();
        logs.close();
    }

    /** Places the call, waits for its new_caller anywhere, hangs up, and waits for its hangup. */
    private void placeAndHangUp(SimulatedAriCall call) {
        call.giveUpAfter(Duration.ofMinutes(1)).place();
        await().atMost(WAIT).until(() -> dialed.events.size() + extension.events.size() > 0);
        call.hangup();
        await().atMost(WAIT).until(() -> !dialed.of(CallEvent.Hangup.class).isEmpty() || !extension.of(CallEvent.Hangup.class).isEmpty());
    }

    private List<String> dialedNumberWarnings() {
        return logs.lines().stream().filter(l -> l.startsWith("WARN ") && l.contains("its dialed number could not be read")).toList();
    }

    static Stream<Arguments> failures() {
        return Stream.of(Arguments.of("500 Error With Function", RestFault.functionReadFailed(), 3),
                Arguments.of("answers later than the client waits", RestFault.answerAfter(Duration.ofSeconds(2)), 3),
                Arguments.of("the connection closes without an answer", RestFault.dropConnection(), 100));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void aDialedNumberAsteriskFailsToGiveIsRoutedByTheExtensionAndSaidSoInAWarning(String what, RestFault fault, int times) {
        SimulatedAriCall call = asterisk.call("tinyphone").dnid(DIALED).failVariableReads("CALLERID(dnid)", times, fault);
        placeAndHangUp(call);

        assertThat(dialed.events).as("the dialed number's apps never hear of it").isEmpty();
        assertThat(extension.typesWithoutLevels()).containsExactly("new_caller", "hangup");
        assertThat(extension.of(CallEvent.NewCaller.class).get(0).info().callId()).isEqualTo(call.id());
        assertThat(dialedNumberWarnings()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("WARN org.tinyphone.ari.AgiOverAri - AGI over ARI: call " + call.id() + " (Local/ari@tp-ari-")
                .contains("GET CALLERID(dnid) failed 3 time(s)")
                .endsWith("the app gets agi_dnid 'unknown', as for a call without one (agi_extension 'ari')"));
    }

    @Test
    void aReadThatFailsOnceIsTriedAgainAndTheCallReachesItsNumber() {
        SimulatedAriCall call = asterisk.call("tinyphone").dnid(DIALED).failVariableReads("CALLERID(dnid)", 1, RestFault.functionReadFailed());
        placeAndHangUp(call);
        assertThat(dialed.typesWithoutLevels()).containsExactly("new_caller", "hangup");
        assertThat(extension.events).isEmpty();
        assertThat(dialedNumberWarnings()).isEmpty();
    }

    @Test
    void aCallWithoutADialedNumberGoesToItsExtensionQuietlyAsDocumented() {
        placeAndHangUp(asterisk.call("tinyphone").dnid(""));   // a Local channel or an originate: Asterisk reads ""
        assertThat(extension.typesWithoutLevels()).containsExactly("new_caller", "hangup");
        assertThat(dialed.events).isEmpty();
        assertThat(logs.lines()).noneMatch(l -> l.startsWith("WARN "));
    }

    static Stream<Arguments> hiccups() {
        return Stream.of(Arguments.of("500 Internal Server Error", RestFault.answer(500, "Internal Server Error", "Allocation failed"), 1),
                Arguments.of("answers later than the client waits", RestFault.answerAfter(Duration.ofSeconds(2)), 1),
                Arguments.of("the connection closes without an answer (also the transport's one resend)", RestFault.dropConnection(), 2));
    }

    /** The call's new_caller has come; the bridge's call, for an app's commands. */
    private Call placed(SimulatedAriCall call) {
        call.giveUpAfter(Duration.ofMinutes(1)).place();
        await().atMost(WAIT).until(() -> !dialed.of(CallEvent.NewCaller.class).isEmpty());
        return bridge.find(call.id()).orElseThrow();
    }

    private static Predicate<AriRequest> play(String channel) {
        return r -> r.method().equals("POST") && r.path().equals("channels/" + channel + "/play");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hiccups")
    void aPlayAsteriskFailsMidCallFailsThatCommandOnlyAndTheCallGoesOn(String what, RestFault fault, int times) throws Exception {
        SimulatedAriCall sim = asterisk.call("tinyphone").dnid(DIALED);
        Call call = placed(sim);
        asterisk.failRequests(play(sim.id()), times, fault);

        CommandResult played = call.submit(new CallCommand.Play("hello-world", "")).get(10, TimeUnit.SECONDS);
        assertThat(played.ok()).as("the app is told the play failed").isFalse();
        sim.press('5');
        await().atMost(WAIT).until(() -> dialed.keys().equals("5"));
        assertThat(call.submit(new CallCommand.Play("hello-world", "")).get(10, TimeUnit.SECONDS).ok()).as("the next play plays").isTrue();
        sim.hangup();
        await().atMost(WAIT).until(() -> !dialed.of(CallEvent.Hangup.class).isEmpty());

        assertThat(dialed.typesWithoutLevels()).containsExactly("new_caller", "keypress 5", "hangup");
        assertThat(dialed.of(CallEvent.Hangup.class).get(0).cause()).isEqualTo("caller");
        assertThat(logs.lines()).filteredOn(l -> l.startsWith("WARN ")).singleElement().satisfies(l -> assertThat(l)
                .startsWith("WARN org.tinyphone.ari.AriAgiChannel - AGI over ARI: call " + sim.id() + " (Local/ari@tp-ari-")
                .contains("'STREAM FILE hello-world \"0123456789*#\"' failed")
                .endsWith("the app gets '200 result=-1 endpos=0', the call goes on"));
    }

    @Test
    void aChannelAsteriskSaysIsGoneMidCallIsTheCallsOneHangup() throws Exception {
        SimulatedAriCall sim = asterisk.call("tinyphone").dnid(DIALED);
        Call call = placed(sim);
        asterisk.failRequests(play(sim.id()), 1, RestFault.answer(404, "Not Found", "Channel not found"));
        CommandResult played = call.submit(new CallCommand.Play("hello-world", "")).get(10, TimeUnit.SECONDS);
        assertThat(played.ok()).isFalse();
        await().atMost(WAIT).until(() -> !dialed.of(CallEvent.Hangup.class).isEmpty());
        assertThat(dialed.typesWithoutLevels()).containsExactly("new_caller", "hangup");
        assertThat(dialed.of(CallEvent.Hangup.class).get(0).cause()).isEqualTo("caller");
    }

    @Test
    void asterisksVersionIsAskedForOncePerConnectionNotPerCall() throws Exception {
        Predicate<AriRequest> info = r -> r.method().equals("GET") && r.path().equals("asterisk/info");
        ari.close();   // a connection of its own whose version answer is slow: calls start before it is known
        long before = asterisk.httpRequests().stream().filter(info).count();
        asterisk.failRequests(info, 1, RestFault.answerAfter(Duration.ofMillis(300)));
        List<AriConnectionState> states = new java.util.concurrent.CopyOnWriteArrayList<>();
        // slow, but well inside the REST timeout even on a loaded machine (400 ms timed it out once: a second read)
        ari = AriClient.builder().url(asterisk.url()).credentials("tinyphone", "s3cret").restTimeout(Duration.ofSeconds(3))
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).onState(states::add)
                .app("tinyphone", AriIngress.bridgeApp(bridge, null)).build();
        ari.connect(Duration.ofSeconds(5));
        List<SimulatedAriCall> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) calls.add(asterisk.call("tinyphone").dnid(DIALED).giveUpAfter(Duration.ofMinutes(1)).place());
        await().atMost(WAIT).until(() -> dialed.of(CallEvent.NewCaller.class).size() == 4);
        calls.forEach(SimulatedAriCall::hangup);
        await().atMost(WAIT).until(() -> dialed.of(CallEvent.Hangup.class).size() == 4);
        assertThat(asterisk.httpRequests().stream().filter(info).count() - before).as("one for the connection, none per call").isEqualTo(1);

        asterisk.dropEventConnections();
        await().atMost(WAIT).until(() -> states.contains(AriConnectionState.RECONNECTED));
        placeAndHangUp(asterisk.call("tinyphone").dnid(DIALED));
        await().atMost(WAIT).until(() -> dialed.of(CallEvent.Hangup.class).size() == 5);
        assertThat(asterisk.httpRequests().stream().filter(info).count() - before).as("read again after the reconnect").isEqualTo(2);
        assertThat(logs.lines()).noneMatch(l -> l.startsWith("WARN ") && l.contains("AGI over ARI"));
    }

    @Test
    void theAudioSocketListenersAddressAsAsteriskReachesIt() {
        assertThat(AriIngress.audioAddress("", "127.0.0.1", 9092)).isEqualTo("127.0.0.1:9092");
        assertThat(AriIngress.audioAddress("", "0.0.0.0", 9092)).as("a wildcard bind: Asterisk on this machine").isEqualTo("127.0.0.1:9092");
        assertThat(AriIngress.audioAddress("", "::", 41000)).isEqualTo("127.0.0.1:41000");
        assertThat(AriIngress.audioAddress("", "10.0.0.5", 9092)).isEqualTo("10.0.0.5:9092");
        assertThat(AriIngress.audioAddress("tinyphone.lan", "0.0.0.0", 9092)).isEqualTo("tinyphone.lan:9092");
        assertThat(AriIngress.audioAddress("10.0.0.5:19092", "0.0.0.0", 9092)).as("a port of its own (NAT)").isEqualTo("10.0.0.5:19092");
        assertThat(AriIngress.audioAddress("fd00::5", "::", 9092)).isEqualTo("[fd00::5]:9092");
        assertThat(AriIngress.audioAddress("[fd00::5]:19092", "::", 9092)).isEqualTo("[fd00::5]:19092");
    }
}
