package org.tinyphone.server.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.relay.RelayProtocol;
import org.tinyphone.server.LogCapture;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.config.AddressAllowList;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/** The relay port: the original Ruby script's lines and the bin/tinyphone-agi tunnel, told apart by the first line. */
class RelayIngressTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private Bridge bridge;
    private RelayIngress relay;
    private final RecordingSubscriber watcher = new RecordingSubscriber();

    @BeforeEach
    void start() throws Exception {
        bridge = new Bridge();
        bridge.subscribe("13605162099", watcher);
        relay = RelayIngress.start(bridge, new AudioSocketJoins(), "127.0.0.1", 0, AddressAllowList.parse("127.0.0.1"));
    }

    @AfterEach
    void stop() {
        relay.close();
        bridge.close();
    }

    private void send(Socket socket, String lines) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(lines.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test
    void theRubyScriptsLinesBecomeACallWithKeysLevelsAndOneHangup() throws Exception {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            send(s, """
                    id:1795446921.1,event:new_call,value:15550001111|13605162099|arg%20one|arg2
                    id:1795446921.1,event:keypress,value:1
                    id:1795446921.1,event:audio_level,value:1380
                    id:1795446921.1,event:keypress,value:#
                    id:1795446921.1,event:hangup,value:1
                    """);
            await().atMost(WAIT).until(() -> watcher.of(CallEvent.Hangup.class).size() == 1);
        }
        CallEvent.NewCaller caller = watcher.of(CallEvent.NewCaller.class).get(0);
        assertThat(caller.info().callId()).isEqualTo("1795446921.1");
        assertThat(caller.info().callerId()).isEqualTo("15550001111");
        assertThat(caller.info().dnid()).isEqualTo("13605162099");
        assertThat(caller.info().args()).as("passed through as the script escaped them").containsExactly("arg%20one", "arg2");
        assertThat(caller.info().via()).isEqualTo("legacy");
        assertThat(watcher.typesWithoutLevels()).containsExactly("new_caller", "keypress 1", "keypress #", "hangup");
        assertThat(watcher.of(CallEvent.AudioLevel.class)).extracting(CallEvent.AudioLevel::level).containsExactly(1380);
        assertThat(watcher.of(CallEvent.Hangup.class).get(0).cause()).isEqualTo("caller");
    }

    @Test
    void aConnectionClosedWithoutAHangupLineHangsTheCallUp() throws Exception {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            send(s, "id:42.7,event:new_call,value:+15550001111|13605162099\nid:42.7,event:keypress,value:5\n");
            await().atMost(WAIT).until(() -> watcher.keys().equals("5"));
        }
        await().atMost(WAIT).until(() -> watcher.of(CallEvent.Hangup.class).size() == 1);
        assertThat(watcher.of(CallEvent.NewCaller.class).get(0).info().callerId()).isEqualTo("15550001111");
        assertThat(watcher.of(CallEvent.Hangup.class).get(0).cause()).isEqualTo("relay closed");
    }

    @Test
    void malformedLinesAreSkippedAndTheConnectionStaysUp() throws Exception {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            send(s, "id:9.1,event:new_call,value:15550001111|13605162099\n");
            send(s, "nonsense\nid:9.1,event:keypress,value:X\nid:9.1,event:audio_level,value:loud\n"
                    + "id:,event:keypress,value:1\nid:9.1,event:keypress\n");
            send(s, "id:9.1,event:keypress,value:7\nid:9.1,event:hangup,value:0\n");
            await().atMost(WAIT).until(() -> watcher.of(CallEvent.Hangup.class).size() == 1);
        }
        assertThat(watcher.typesWithoutLevels()).containsExactly("new_caller", "keypress 7", "hangup");
    }

    @Test
    void aConnectionThatDoesNotStartAsARelayIsClosedAndMakesNoCall() throws Exception {
        // a web page that makes a browser POST here, its body full of legacy lines
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            s.setSoTimeout(10_000);
            send(s, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\r\n"
                    + "id:66.1,event:new_call,value:15550006666|13605162099\nid:66.1,event:keypress,value:1\n");
            assertThat(s.getInputStream().read()).as("closed").isEqualTo(-1);
        }
        assertThat(watcher.of(CallEvent.NewCaller.class)).isEmpty();
    }

    @Test
    void aLineOfOneMebibyteClosesThatConnectionOnly() throws Exception {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            send(s, "id:9.2,event:new_call,value:15550001111|13605162099\n");
            await().atMost(WAIT).until(() -> watcher.of(CallEvent.NewCaller.class).size() == 1);
            try {
                send(s, "id:9.2,event:keypress,value:" + "1".repeat(1 << 20) + "\n");
            } catch (java.io.IOException closedMeanwhile) {
                // the server may close while we are still writing
            }
            await().atMost(WAIT).until(() -> watcher.of(CallEvent.Hangup.class).size() == 1);
        }
        assertThat(watcher.of(CallEvent.Hangup.class).get(0).cause()).isEqualTo("relay closed");
        // the port still serves other calls
        CallResult next = Simulator.place(SimulatedCall.of("13605162099", "15550002222", null, "3")
                .withTiming(Duration.ZERO, Duration.ofMillis(50), Duration.ofMillis(50)), Via.LEGACY, "127.0.0.1",
                relay.port());
        assertThat(next.keys()).isEqualTo("3");
        await().atMost(WAIT).until(() -> watcher.of(CallEvent.Hangup.class).size() == 2);
    }

    @Test
    void theRelayTunnelRunsTheBridgeAppWithAudioLevelsOnlyWhileAudioFlows() throws Exception {
        SimulatedCall call = SimulatedCall.of("13605162099", "15550001111", "Carol", "12#")
                .withArgs(List.of("screen", "lobby"))
                .withAudio(AudioSource.tone());
        CallResult result = Simulator.place(call, Via.RELAY, "127.0.0.1", relay.port());

        assertThat(result.keys()).isEqualTo("12#");
        assertThat(result.endedBy()).isEqualTo(CallResult.EndedBy.CALLER);
        assertThat(result.commands()).first().isEqualTo("ANSWER");
        assertThat(result.commands()).noneMatch(c -> c.startsWith("SET VARIABLE TINYPHONE_UUID "));
        assertThat(result.commands()).anyMatch(c -> c.startsWith("WAIT FOR DIGIT "));
        await().atMost(WAIT).until(() -> watcher.of(CallEvent.Hangup.class).size() == 1);

        CallEvent.NewCaller caller = watcher.of(CallEvent.NewCaller.class).get(0);
        assertThat(caller.info().callerName()).isEqualTo("Carol");
        assertThat(caller.info().args()).containsExactly("screen", "lobby");
        assertThat(caller.info().via()).isEqualTo("relay");
        assertThat(watcher.typesWithoutLevels())
                .containsExactly("new_caller", "keypress 1", "keypress 2", "keypress #", "hangup");
        List<Integer> levels = watcher.of(CallEvent.AudioLevel.class).stream().map(CallEvent.AudioLevel::level).toList();
        // ~15 per second of audio; the tone's loudness rises and falls, so the meter moves
        long seconds = Math.max(1, result.audioFrames() / 50);
        assertThat(levels.size()).isBetween((int) (seconds * 10), (int) (result.audioFrames() / 3.3) + 2);
        assertThat(levels.stream().distinct().count()).isGreaterThan(3);
        assertThat(levels).allMatch(l -> l > 0 && l <= 32768);
    }

    @Test
    void aRelayCallWithoutAudioHasNoLevels() throws Exception {
        CallResult result = Simulator.place(SimulatedCall.of("13605162099", "15550001111", "", "9"), Via.RELAY,
                "127.0.0.1", relay.port());
        assertThat(result.keys()).isEqualTo("9");
        await().atMost(WAIT).until(() -> watcher.of(CallEvent.Hangup.class).size() == 1);
        assertThat(watcher.of(CallEvent.AudioLevel.class)).isEmpty();
        assertThat(watcher.typesWithoutLevels()).containsExactly("new_caller", "keypress 9", "hangup");
    }

    @Test
    void aGreetingOfAnotherRelayVersionIsRefusedWithAnEndFrameNotReadAsTheOriginalLines() throws Exception {
        try (LogCapture log = LogCapture.begin(); Socket s = new Socket("127.0.0.1", relay.port())) {
            s.setSoTimeout(20_000);
            send(s, "TINYPHONE-RELAY/2\nid:1,event:new_call,value:15550001111|13605162099\n");
            RelayProtocol.Frame end = RelayProtocol.readFrame(s.getInputStream());
            assertThat(end.type()).isEqualTo(RelayProtocol.SERVER_END);
            assertThat(end.text()).startsWith("unsupported relay protocol TINYPHONE-RELAY/2: this server speaks TINYPHONE-RELAY/1");
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat(log.lines()).anyMatch(l -> l.contains("refused: greeting 'TINYPHONE-RELAY/2' is not TINYPHONE-RELAY/1"));
        }
        assertThat(watcher.typesWithoutLevels()).isEmpty();
    }

    @Test
    void relayLinesAndCallerIdsReachTheLogEscaped() throws Exception {
        try (LogCapture log = LogCapture.begin(); Socket s = new Socket("127.0.0.1", relay.port())) {
            // a caller id that would end the log line and forge another, and a line that clears the screen
            send(s, "id:7.1,event:new_call,value:1555\r12:00:00.000 INFO  forged|13605162099\n"
                    + "id:7.1,event:\u001b[2Jboom,value:1\n"
                    + "id:7.1,event:hangup,value:0\n");
            await().atMost(WAIT).until(() -> watcher.of(CallEvent.Hangup.class).size() == 1);
            assertThat(log.lines()).anyMatch(l -> l.contains("call 7.1 from 1555\\r12:00:00.000 INFO  forged to 13605162099 via legacy"));
            assertThat(log.lines()).anyMatch(l -> l.contains("\\x1b[2Jboom"));
            assertThat(log.lines()).noneMatch(l -> l.contains("\r") || l.contains("\u001b"));
        }
    }
}
