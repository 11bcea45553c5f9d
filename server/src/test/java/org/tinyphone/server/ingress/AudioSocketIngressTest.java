package org.tinyphone.server.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.server.config.AddressAllowList;
import org.tinyphone.server.sim.AudioSource;
import org.tinyphone.server.sim.CallResult;
import org.tinyphone.server.sim.SimulatedCall;
import org.tinyphone.server.sim.Simulator;
import org.tinyphone.server.sim.Via;

/** AudioSocket connections: joined to their call by UUID, or a call of their own; DTMF and audio become events. */
class AudioSocketIngressTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private Bridge bridge;
    private AudioSocketJoins joins;
    private AudioSocketIngress ingress;
    private final RecordingSubscriber everything = new RecordingSubscriber();

    @BeforeEach
    void start() throws Exception {
        bridge = new Bridge();
        bridge.subscribe(Bridge.ALL_NUMBERS, everything);
        joins = new AudioSocketJoins(Duration.ofSeconds(30));
        ingress = AudioSocketIngress.start(bridge, joins, "127.0.0.1", 0, AddressAllowList.parse("127.0.0.1"));
    }

    @AfterEach
    void stop() {
        ingress.close();
        bridge.close();
    }

    @Test
    void anUnknownUuidBecomesACallOfItsOwnWithKeysAndAMovingMeter() throws Exception {
        UUID uuid = UUID.randomUUID();
        CallResult result = Simulator.placeAudioSocket(SimulatedCall.of("13605162099", "15550001111", "Carol", "12#")
                .withAudio(AudioSource.tone()), uuid, "127.0.0.1", ingress.port());
        assertThat(result.endedBy()).isEqualTo(CallResult.EndedBy.CALLER);
        await().atMost(WAIT).until(() -> everything.of(CallEvent.Hangup.class).size() == 1);

        CallEvent.NewCaller caller = everything.of(CallEvent.NewCaller.class).get(0);
        assertThat(caller.info().callId()).isEqualTo(uuid.toString());
        assertThat(caller.info().dnid()).isEqualTo(AudioSocketIngress.UNKNOWN_NUMBER);
        assertThat(caller.info().via()).isEqualTo("audiosocket");
        assertThat(everything.typesWithoutLevels())
                .containsExactly("new_caller", "keypress 1", "keypress 2", "keypress #", "hangup");
        List<Integer> levels = everything.of(CallEvent.AudioLevel.class).stream().map(CallEvent.AudioLevel::level).toList();
        assertThat(levels.size()).isGreaterThanOrEqualTo((int) (result.audioFrames() * 320 / 2 / 528) - 1);
        assertThat(levels.stream().distinct().count()).isGreaterThan(3);
    }

    @Test
    void aHandedOutUuidJoinsItsCall() throws Exception {
        Call call = bridge.open(new CallInfo("1795446921.1", "15550001111", "Carol", "13605162099", null, "PJSIP/x",
                "fastagi", null), null);
        UUID uuid = joins.register(call);
        Simulator.placeAudioSocket(SimulatedCall.of("13605162099", "15550001111", "Carol", "4")
                .withAudio(AudioSource.tone()), uuid, "127.0.0.1", ingress.port());
        await().atMost(WAIT).until(() -> everything.of(CallEvent.Hangup.class).size() == 1);

        assertThat(everything.of(CallEvent.NewCaller.class)).hasSize(1);
        assertThat(everything.typesWithoutLevels()).containsExactly("new_caller", "keypress 4", "hangup");
        assertThat(everything.events).allMatch(e -> e.callId().equals("1795446921.1"));
        assertThat(everything.of(CallEvent.AudioLevel.class)).isNotEmpty();
        assertThat(joins.waiting()).isZero();
    }

    @Test
    void anAppsHangupSendsTheHangupFrameAndEndsTheCall() throws Exception {
        SimulatedCall longCall = SimulatedCall.of("13605162099", "15550001111", "", "")
                .withTiming(Duration.ofSeconds(30), Duration.ZERO, Duration.ZERO).withAudio(AudioSource.tone());
        CompletableFuture<CallResult> placed = CompletableFuture.supplyAsync(() -> {
            try {
                return Simulator.place(longCall, Via.AUDIOSOCKET, "127.0.0.1", ingress.port());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        await().atMost(WAIT).until(() -> !everything.of(CallEvent.AudioLevel.class).isEmpty());
        Call call = bridge.find(everything.of(CallEvent.NewCaller.class).get(0).callId()).orElseThrow();

        CommandResult play = call.submit(new CallCommand.Play("hello-world", "")).get();
        assertThat(play.ok()).isFalse();
        assertThat(play.error()).contains("not possible on an AudioSocket call");
        assertThat(call.submit(new CallCommand.Hangup()).get().ok()).isTrue();

        assertThat(placed.get().endedBy()).isEqualTo(CallResult.EndedBy.SERVER);
        await().atMost(WAIT).until(() -> !everything.of(CallEvent.Hangup.class).isEmpty());
        assertThat(everything.of(CallEvent.Hangup.class)).singleElement()
                .extracting(CallEvent.Hangup::cause).isEqualTo("app");
    }

    @Test
    void aFirstFrameThatIsNotAUuidIsRefused() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ingress.port())) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x10, 0x01, 0x40});
            out.write(new byte[320]);
            out.flush();
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(everything.events).isEmpty();
    }
}
