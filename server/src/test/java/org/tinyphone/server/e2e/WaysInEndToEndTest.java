package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * Each way a call comes in, through the real server and its real ports, seen by a native client subscribed on the
 * TCP client port: FastAGI, the relay tunnel with audio, the original Ruby script's lines, and AudioSocket joined to
 * its FastAGI call.
 */
class WaysInEndToEndTest {
    private static RunningServer server;

    @BeforeAll
    static void start() {
        server = RunningServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void fastAgiCallerKeysAndHangupReachTheSubscriber() throws Exception {
        try (RunningServer.Watcher w = server.watch("15551000001")) {
            CallResult result = Simulator.place(SimulatedCall.of("15551000001", "15550001111", "Carol", "12#")
                    .withArgs(List.of("lobby")), Via.FASTAGI, "127.0.0.1", server.port("fastagi"));
            assertThat(result.keys()).isEqualTo("12#");
            assertThat(result.endedBy()).isEqualTo(CallResult.EndedBy.CALLER);
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);

            TinyphoneEvent.NewCaller caller = w.of(TinyphoneEvent.NewCaller.class).get(0);
            assertThat(caller.callId()).isEqualTo(result.callId());
            assertThat(caller.callerId()).isEqualTo("15550001111");
            assertThat(caller.callerName()).isEqualTo("Carol");
            assertThat(caller.args()).containsExactly("lobby");
            assertThat(caller.via()).isEqualTo("fastagi");
            assertThat(w.story()).containsExactly("new_caller", "keypress 1", "keypress 2", "keypress #", "hangup");
            assertThat(w.of(TinyphoneEvent.AudioLevel.class)).as("FastAGI carries no audio").isEmpty();
            assertThat(w.of(TinyphoneEvent.Hangup.class).get(0).cause()).isEqualTo("caller");
        }
    }

    @Test
    void relayTunnelWithAudioGivesKeysAndAMovingMeter() throws Exception {
        try (RunningServer.Watcher w = server.watch("15551000002")) {
            CallResult result = Simulator.place(SimulatedCall.of("15551000002", "15550001111", "Carol", "47")
                    .withAudio(AudioSource.tone()), Via.RELAY, "127.0.0.1", server.port("relay"));
            assertThat(result.keys()).isEqualTo("47");
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            assertThat(w.story()).containsExactly("new_caller", "keypress 4", "keypress 7", "hangup");
            assertThat(w.of(TinyphoneEvent.NewCaller.class).get(0).via()).isEqualTo("relay");
            List<Integer> levels = w.of(TinyphoneEvent.AudioLevel.class).stream()
                    .map(TinyphoneEvent.AudioLevel::level).toList();
            assertThat(levels).hasSizeGreaterThan(10);
            assertThat(levels.stream().distinct().count()).isGreaterThan(3);
        }
    }

    @Test
    void theOriginalRubyScriptsLinesStillWork() throws Exception {
        try (RunningServer.Watcher w = server.watch("15551000003")) {
            Simulator.place(SimulatedCall.of("15551000003", "+15550001111", "", "9*").withArgs(List.of("a b"))
                    .withAudio(AudioSource.tone()), Via.LEGACY, "127.0.0.1", server.port("relay"));
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            TinyphoneEvent.NewCaller caller = w.of(TinyphoneEvent.NewCaller.class).get(0);
            assertThat(caller.callerId()).isEqualTo("15550001111");
            assertThat(caller.args()).as("as the script escaped them").containsExactly("a%20b");
            assertThat(caller.via()).isEqualTo("legacy");
            assertThat(w.story()).containsExactly("new_caller", "keypress 9", "keypress *", "hangup");
            assertThat(w.of(TinyphoneEvent.AudioLevel.class)).isNotEmpty();
        }
    }

    @Test
    void audioSocketJoinsTheCallItsFastAgiHandOffOpened() throws Exception {
        try (RunningServer.Watcher w = server.watch("15551000004")) {
            SimulatedCall call = SimulatedCall.of("15551000004", "15550001111", "Carol", "3#")
                    .withAudio(AudioSource.tone());
            // the dialplan: AGI(agi://127.0.0.1:4573/tinyphone?audiosocket) then AudioSocket(${TINYPHONE_UUID},...)
            CallResult agi = Simulator.placeFastAgi(call.withTiming(Duration.ofSeconds(30), Duration.ZERO, Duration.ZERO),
                    "tinyphone?audiosocket", "127.0.0.1", server.port("fastagi"));
            assertThat(agi.endedBy()).as("the app returns at once after setting TINYPHONE_UUID")
                    .isEqualTo(CallResult.EndedBy.SERVER);
            String set = agi.commands().stream().filter(c -> c.startsWith("SET VARIABLE TINYPHONE_UUID")).findFirst()
                    .orElseThrow();
            UUID uuid = UUID.fromString(set.replace("\"", "").substring("SET VARIABLE TINYPHONE_UUID ".length()).trim());
            Simulator.placeAudioSocket(call, uuid, "127.0.0.1", server.port("audiosocket"));
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);

            assertThat(w.story()).containsExactly("new_caller", "keypress 3", "keypress #", "hangup");
            assertThat(w.of(TinyphoneEvent.NewCaller.class).get(0).callerName()).isEqualTo("Carol");
            // one call, one way in: its audio and keys come over AudioSocket, though FastAGI opened it
            assertThat(w.of(TinyphoneEvent.NewCaller.class).get(0).via()).isEqualTo("audiosocket");
            assertThat(w.events).allMatch(e -> !(e instanceof TinyphoneEvent.Keypress k) || k.callId().equals(agi.callId()));
            assertThat(w.of(TinyphoneEvent.AudioLevel.class)).isNotEmpty();
        }
    }
}
