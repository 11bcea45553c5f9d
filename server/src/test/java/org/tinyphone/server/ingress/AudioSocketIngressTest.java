package org.tinyphone.server.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.EOFException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.server.config.AddressAllowList;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.audio.AudioSocketCaller;

/**
 * AudioSocket connections: joined to their call by UUID, or a call of their own; DTMF and audio become events. An ARI
 * call's externalMedia connection adds only audio to its call (capture 10c).
 */
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
    void aPlainAudioSocketCallIsLoggedWithWhatIsUnknownNamedNotAsBlanks() throws Exception {
        UUID uuid = UUID.randomUUID();
        try (org.tinyphone.server.LogCapture log = org.tinyphone.server.LogCapture.begin()) {
            Simulator.placeAudioSocket(SimulatedCall.of("13605162099", "15550001111", "Carol", "1"), uuid, "127.0.0.1",
                    ingress.port());
            await().atMost(WAIT).until(() -> everything.of(CallEvent.Hangup.class).size() == 1);
            // AudioSocket carries no caller id and no number: the line says so instead of "from  to unknown"
            assertThat(log.lines()).contains("INFO org.tinyphone.server.bridge.Bridge - call " + uuid
                    + " from (caller id unknown) to (dialed number unknown) via audiosocket");
        }
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

    /**
     * The [as] side of capture 10c (ARI externalMedia, {@code encapsulation=audiosocket}) against the server's AudioSocket
     * listener, for a UUID an ARI call handed out for its audio: Asterisk's frames as captured (the UUID frame, the run of
     * 0x12 slin16 frames, the 0x03 DTMF frames) become {@code audio_level} and nothing else (the keys come from ARI), the
     * connection closing ends nothing, and when the ARI call ends the listener sends the 0x00 HANGUP frame (10c: Asterisk
     * then closes the connection and destroys the channel).
     */
    @Nested
    class ArisExternalMediaAsCapture10cShows {
        private static final Pattern UUID_LINE = Pattern.compile("<< \\[as] type=0x01 UUID len=16 .* raw_header=(\\p{XDigit}{6})");
        private static final Pattern AUDIO = Pattern.compile("<< \\[as] frame len=(\\d+) type=0x(\\p{XDigit}{2}) AUDIO \\S+ #(\\d+) .*peak=(\\d+)");
        private static final Pattern RUN = Pattern.compile("<< \\[as] \\(run: (\\d+) frames, .*max peak (\\d+)\\)");
        private static final Pattern DTMF = Pattern.compile("<< \\[as] type=0x03 DTMF len=1 payload=(\\p{XDigit}{2}) .*raw_header=(\\p{XDigit}{6})");
        private static final Pattern HANGUP = Pattern.compile(">> \\[as] type=0x00 HANGUP len=0 raw=(\\p{XDigit}{6})");

        private final Transcript capture = Transcript.load("10c-ari-externalmedia-audiosocket.txt");

        private Call ariCall() {
            return bridge.open(new CallInfo("1796391309.83", "15550001111", "Carol", "13605162099", List.of("arg one", "arg2"),
                    "Local/ari@tp-ari-00000023;2", "ari", null), null);
        }

        private List<String> lines(Pattern p) {
            List<String> out = new ArrayList<>();
            for (Transcript.Entry e : capture.entries()) {
                String line = (e.fromAsterisk() ? "<< " : e.fromClient() ? ">> " : "-- ") + e.text();
                if (p.matcher(line).matches()) out.add(line);
            }
            return out;
        }

        @Test
        void capture10c_asterisksFramesBecomeAudioLevelsOnlyAndItsCloseEndsNothing() throws Exception {
            Call call = ariCall();
            UUID uuid = joins.registerAudio(call);
            assertThat(lines(UUID_LINE)).singleElement().satisfies(l -> assertThat(l).endsWith("raw_header=010010"));
            try (AudioSocketCaller asterisk = AudioSocketCaller.connect("127.0.0.1", ingress.port(), uuid)) {   // 01 0010 + uuid
                // the run of audio frames: those the capture lists with their size, type and peak; the others of the run
                // (listed only in its summary line) at the run's maximum peak
                TreeMap<Integer, int[]> listed = new TreeMap<>();
                for (String l : lines(AUDIO)) {
                    Matcher m = AUDIO.matcher(l);
                    assertThat(m.matches()).isTrue();
                    listed.put(Integer.parseInt(m.group(3)), new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2), 16),
                            Integer.parseInt(m.group(4))});
                }
                Matcher run = RUN.matcher(lines(RUN).getFirst());
                assertThat(run.matches()).isTrue();
                int frames = Integer.parseInt(run.group(1));
                int maxPeak = Integer.parseInt(run.group(2));
                long samples = 0;
                for (int n = 1; n <= frames; n++) {
                    int[] f = listed.getOrDefault(n, new int[] {640, 0x12, maxPeak});
                    asterisk.sendFrame(f[1], frame(f[0], f[2]));
                    samples += f[0] / 2;
                }
                for (String l : lines(DTMF)) {
                    Matcher m = DTMF.matcher(l);
                    assertThat(m.matches()).isTrue();
                    byte[] raw = HexFormat.of().parseHex(m.group(2) + m.group(1));
                    asterisk.sendRaw(raw);   // 03 0001 '1', as captured
                }
                long windows = samples / 1056;   // 66 ms at 16 kHz
                await().atMost(WAIT).until(() -> everything.of(CallEvent.AudioLevel.class).size() == windows);
                assertThat(windows).isEqualTo(21);
                assertThat(everything.of(CallEvent.AudioLevel.class)).extracting(CallEvent.AudioLevel::level)
                        .allMatch(level -> level <= maxPeak).contains(maxPeak);
                asterisk.hangUp();   // Asterisk closes the connection (here: before the call ends)
                await().atMost(WAIT).until(() -> ingress.stats().open() == 0);
            }
            assertThat(call.ended()).as("the externalMedia connection closing is not the call's end").isFalse();
            assertThat(everything.typesWithoutLevels()).as("its DTMF frames are no keypresses: ARI's DTMF events are")
                    .containsExactly("new_caller");
            call.hangup("caller");
            assertThat(everything.typesWithoutLevels()).containsExactly("new_caller", "hangup");
        }

        @Test
        void capture10c_whenTheAriCallEndsTheConnectionGetsTheHangupFrame() throws Exception {
            Call call = ariCall();
            UUID uuid = joins.registerAudio(call);
            try (AudioSocketCaller asterisk = AudioSocketCaller.connect("127.0.0.1", ingress.port(), uuid)) {
                asterisk.sendFrame(0x12, frame(640, 669));
                await().atMost(WAIT).until(() -> ingress.stats().accepted() == 1);
                call.hangup("caller");
                AudioSocketCaller.Frame f = asterisk.readFrame(WAIT);
                String raw = HANGUP.matcher(lines(HANGUP).getFirst()).replaceAll("$1");
                assertThat(f).isNotNull();
                assertThat(String.format("%02x%04x", f.type(), f.payload().length)).isEqualTo(raw);   // 000000
                asterisk.hangUp();   // 10c: Asterisk closes the connection at the hangup frame
                await().atMost(WAIT).until(() -> ingress.stats().open() == 0);
            }
            assertThat(everything.typesWithoutLevels()).containsExactly("new_caller", "hangup");
        }

        @Test
        void aConnectionForACallThatHasEndedGetsTheHangupFrameAndOpensNoCall() throws Exception {
            Call call = ariCall();
            UUID uuid = joins.registerAudio(call);
            call.hangup("caller");
            try (AudioSocketCaller asterisk = AudioSocketCaller.connect("127.0.0.1", ingress.port(), uuid)) {
                AudioSocketCaller.Frame f = asterisk.readFrame(WAIT);
                assertThat(f).isNotNull();
                assertThat(f.type()).isZero();
            } catch (EOFException closedFirst) {
                // also fine: nothing was opened
            }
            await().atMost(WAIT).until(() -> ingress.stats().open() == 0);
            assertThat(everything.of(CallEvent.NewCaller.class)).hasSize(1);
            assertThat(everything.typesWithoutLevels()).containsExactly("new_caller", "hangup");
        }

        /** One frame of {@code bytes} of slin whose loudest sample is {@code peak}. */
        private static byte[] frame(int bytes, int peak) {
            ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < bytes / 2; i++) b.putShort((short) (i == bytes / 4 ? peak : peak / 2 * (i % 2 == 0 ? 1 : -1)));
            return b.array();
        }
    }
}
