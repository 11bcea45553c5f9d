package org.tinyphone.audio.audiosocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.EagiCaptures;
import org.tinyphone.audio.audiosocket.AudioSocketEvent.CloseReason;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.audio.AudioSocketCaller;
import org.tinyphone.sim.audio.AudioSocketCaller.Pacing;
import org.tinyphone.sim.audio.Pcm;

/** The AudioSocket server against a simulated Asterisk, replaying captures 07a and 07b over real sockets. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AudioSocketServerTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closeables.reversed()) c.close();
    }

    /** What a handler saw of one call. */
    record Call(UUID uuid, List<AudioSocketEvent> events, AudioSocketEvent.Closed closed) {
        String digits() {
            StringBuilder s = new StringBuilder();
            for (AudioSocketEvent e : events) if (e instanceof AudioSocketEvent.Dtmf d) s.append(d.digit());
            return s.toString();
        }

        List<AudioSocketEvent.Audio> audio() {
            return events.stream().filter(e -> e instanceof AudioSocketEvent.Audio).map(e -> (AudioSocketEvent.Audio) e).toList();
        }

        List<AudioSocketEvent.Level> levels() {
            return events.stream().filter(e -> e instanceof AudioSocketEvent.Level).map(e -> (AudioSocketEvent.Level) e).toList();
        }
    }

    /** A server whose handler records every event of each call until it closes. */
    final class Recording {
        final ConcurrentHashMap<UUID, CompletableFuture<Call>> calls = new ConcurrentHashMap<>();
        final AtomicInteger handled = new AtomicInteger();
        final AudioSocketServer server;

        Recording(AudioSocketServer.Builder b) throws IOException {
            server = b.port(0).handler(session -> {
                handled.incrementAndGet();
                List<AudioSocketEvent> events = new ArrayList<>();
                AudioSocketEvent.Closed closed = session.forEach(events::add);
                future(session.uuid()).complete(new Call(session.uuid(), events, closed));
            }).start();
            closeables.add(server);
        }

        CompletableFuture<Call> future(UUID id) {
            return calls.computeIfAbsent(id, k -> new CompletableFuture<>());
        }

        Call call(UUID id) throws Exception {
            return future(id).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        AudioSocketCaller connect(UUID id) throws IOException {
            AudioSocketCaller c = AudioSocketCaller.connect("127.0.0.1", server.port(), id);
            closeables.add(c);
            return c;
        }
    }

    /** One frame of capture 07a, rebuilt: audio frames 1..250 are the bytes of 04c (same playback, same start). */
    record CapturedFrame(int type, byte[] payload, int peak) {}

    static List<Object> replay07a() throws IOException {
        byte[] eagi = EagiCaptures.eagiAudio();
        Pattern audio = Pattern.compile("type=0x10 len=(\\d+) AUDIO frame #(\\d+) peak=(\\d+) first4bytes=([0-9a-f]{8})");
        Pattern uuid = Pattern.compile("type=0x01 len=16 UUID payload=([0-9a-f]{32})");
        Pattern dtmf = Pattern.compile("type=0x03 len=1 DTMF .* raw=([0-9a-f]{8})");
        List<Object> script = new ArrayList<>();
        for (Transcript.Entry e : Transcript.load("07a-audiosocket-playback-dtmf.txt").entries()) {
            if (e.dir() == Transcript.Dir.SOCKET) {
                assertThat(e.text()).contains("connection closed by Asterisk");
                script.add("close");
                continue;
            }
            Matcher m;
            if ((m = uuid.matcher(e.text())).find()) {
                script.add(new CapturedFrame(0x01, HexFormat.of().parseHex(m.group(1)), 0));
            } else if ((m = dtmf.matcher(e.text())).find()) {
                byte[] raw = HexFormat.of().parseHex(m.group(1));
                script.add(new CapturedFrame(raw[0], new byte[] {raw[3]}, 0));
            } else if ((m = audio.matcher(e.text())).find()) {
                int len = Integer.parseInt(m.group(1));
                int n = Integer.parseInt(m.group(2));
                int peak = Integer.parseInt(m.group(3));
                byte[] first4 = HexFormat.of().parseHex(m.group(4));
                byte[] payload;
                if (n * 320 <= eagi.length) {
                    payload = Arrays.copyOfRange(eagi, (n - 1) * 320, (n - 1) * 320 + len);
                    assertThat(Arrays.copyOf(payload, 4)).as("frame %d is 04c's audio", n).isEqualTo(first4);
                    assertThat(Pcm.peak(payload, 0, len)).as("frame %d peak", n).isEqualTo(peak);
                } else { // beyond 04c's 5 s: the frame's recorded start and peak
                    payload = new byte[len];
                    System.arraycopy(first4, 0, payload, 0, 4);
                    payload[4] = (byte) peak;
                    payload[5] = (byte) (peak >> 8);
                }
                script.add(new CapturedFrame(0x10, payload, peak));
            } else {
                throw new AssertionError("unexpected 07a line: " + e.text());
            }
        }
        return script;
    }

    @Test
    void replayOf07aGivesTheUuidKeysAudioLevelsAndTheHangupInOrder() throws Exception {
        Recording rec = new Recording(AudioSocketServer.builder());
        List<Object> script = replay07a();
        UUID id = UUID.fromString("40325ec2-5efd-4bd3-805f-53576e581d13");
        List<CapturedFrame> sentAudio = new ArrayList<>();

        // connect() sends the UUID frame itself: it must be the capture's first frame
        CapturedFrame first = (CapturedFrame) script.get(0);
        assertThat(first.type()).isEqualTo(0x01);
        assertThat(AudioSocketFrame.uuid(id).payload()).isEqualTo(first.payload());
        AudioSocketCaller asterisk = rec.connect(id);
        for (Object step : script.subList(1, script.size())) {
            if (step.equals("close")) {
                asterisk.hangUp(); // Asterisk sends no 0x00 frame: it closes
            } else {
                CapturedFrame f = (CapturedFrame) step;
                asterisk.sendFrame(f.type(), f.payload());
                if (f.type() == 0x10) sentAudio.add(f);
            }
        }

        Call call = rec.call(id);
        assertThat(call.uuid()).isEqualTo(id);
        assertThat(call.closed().reason()).isEqualTo(CloseReason.PEER_CLOSED);
        assertThat(call.digits()).isEqualTo("12#9");
        // three keys before the audio, '9' after it
        int firstAudio = indexOf(call.events(), AudioSocketEvent.Audio.class, 0);
        assertThat(call.events().subList(0, firstAudio)).containsExactly(
                new AudioSocketEvent.Dtmf('1'), new AudioSocketEvent.Dtmf('2'), new AudioSocketEvent.Dtmf('#'));
        assertThat(call.events().getLast()).isEqualTo(new AudioSocketEvent.Dtmf('9'));

        List<AudioSocketEvent.Audio> audio = call.audio();
        assertThat(audio).hasSize(809);
        for (int i = 0; i < audio.size(); i++) {
            assertThat(audio.get(i).sampleRate()).isEqualTo(8000);
            assertThat(audio.get(i).pcm()).as("frame %d", i + 1).isEqualTo(sentAudio.get(i).payload());
            assertThat(Pcm.peak(audio.get(i).pcm(), 0, audio.get(i).pcm().length)).isEqualTo(sentAudio.get(i).peak());
        }
        assertThat(audio.getLast().pcm()).hasSize(276);

        // 258836 bytes = 129418 samples = 245 full windows; the first 75 are 04c's, so 04d's values
        List<AudioSocketEvent.Level> levels = call.levels();
        assertThat(levels).hasSize(245);
        List<EagiCaptures.Window> windows = EagiCaptures.peakWindows();
        for (int w = 0; w < 75; w++) {
            assertThat(levels.get(w)).as("window %d", w)
                    .isEqualTo(new AudioSocketEvent.Level(windows.get(w).peak(), windows.get(w).rms()));
        }
    }

    @Test
    void replayOf07bOurAudioThenHangupFrameAndAsteriskCloses() throws Exception {
        UUID id = UUID.fromString("40325ec2-5efd-4bd3-805f-53576e581d13");
        CompletableFuture<AudioSocketEvent.Closed> end = new CompletableFuture<>();
        AudioSocketServer server = AudioSocketServer.builder().port(0).handler(session -> {
            session.sendAudio(Pcm.tone(440, Duration.ofSeconds(1), 8000)); // 07b: 50 frames, 1 s
            session.hangup();
            assertThat(session.hangupSent()).isTrue();
            end.complete(session.forEach(e -> {}));
        }).start();
        closeables.add(server);

        AudioSocketCaller asterisk = AudioSocketCaller.connect("127.0.0.1", server.port(), id);
        closeables.add(asterisk);
        List<AudioSocketCaller.Frame> got = new ArrayList<>();
        while (true) {
            AudioSocketCaller.Frame f = asterisk.readFrame(WAIT);
            assertThat(f).isNotNull();
            got.add(f);
            if (f.type() != 0x10) break;
        }
        assertThat(got).hasSize(51);
        assertThat(got.subList(0, 50)).allSatisfy(f -> {
            assertThat(f.type()).isEqualTo(0x10);
            assertThat(f.payload()).hasSize(320);
        });
        assertThat(got.get(50).type()).isEqualTo(0x00); // 00 00 00
        assertThat(got.get(50).payload()).isEmpty();
        asterisk.hangUp(); // "connection closed by Asterisk (EOF)"
        assertThat(end.get(30, TimeUnit.SECONDS).reason()).isEqualTo(CloseReason.HANGUP_SENT);
    }

    @Test
    void levelsFollowTheCallersVolume() throws Exception {
        Recording rec = new Recording(AudioSocketServer.builder());
        UUID id = UUID.randomUUID();
        AudioSocketCaller c = rec.connect(id);
        c.sendAudio(Pcm.silence(Duration.ofMillis(660)), Pacing.FAST);
        c.sendTone(300, Duration.ofMillis(660), 20000, Pacing.FAST);
        c.hangUp();
        List<AudioSocketEvent.Level> levels = rec.call(id).levels();
        assertThat(levels).hasSize(20);
        assertThat(levels.subList(0, 10)).allSatisfy(l -> assertThat(l.peak()).isZero());
        assertThat(levels.subList(10, 20)).allSatisfy(l -> {
            assertThat(l.peak()).isBetween(19000, 20000);
            assertThat(l.rms()).isBetween(13000, 15000); // 20000 / sqrt 2
        });
    }

    @Test
    void nextReturnsNullWhileAsteriskIsSilentThenTheKey() throws Exception {
        CompletableFuture<List<Object>> seen = new CompletableFuture<>();
        CompletableFuture<Void> waited = new CompletableFuture<>();
        AudioSocketServer server = AudioSocketServer.builder().port(0).handler(session -> {
            List<Object> s = new ArrayList<>();
            s.add(String.valueOf(session.next(Duration.ofMillis(100))));
            waited.complete(null);
            s.add(session.next(WAIT));
            seen.complete(s);
        }).start();
        closeables.add(server);
        AudioSocketCaller c = AudioSocketCaller.connect("127.0.0.1", server.port());
        closeables.add(c);
        waited.get(30, TimeUnit.SECONDS);
        c.sendDtmf("5");
        assertThat(seen.get(30, TimeUnit.SECONDS)).containsExactly("null", new AudioSocketEvent.Dtmf('5'));
    }

    @Test
    void aHangupFrameFromThePeerEndsTheSession() throws Exception {
        Recording rec = new Recording(AudioSocketServer.builder());
        UUID id = UUID.randomUUID();
        AudioSocketCaller c = rec.connect(id);
        c.sendDtmf("7");
        c.sendFrame(0x00, new byte[0]);
        Call call = rec.call(id);
        assertThat(call.digits()).isEqualTo("7");
        assertThat(call.closed().reason()).isEqualTo(CloseReason.PEER_HANGUP);
        assertThat(c.awaitServerClose(WAIT)).isTrue();
    }

    @Test
    void errorFrameIsReported() throws Exception {
        Recording rec = new Recording(AudioSocketServer.builder());
        UUID id = UUID.randomUUID();
        AudioSocketCaller c = rec.connect(id);
        c.sendFrame(0xff, new byte[] {0x01});
        c.hangUp();
        assertThat(rec.call(id).events()).containsExactly(new AudioSocketEvent.Error(1));
    }

    @Test
    void garbageAfterTheUuidEndsTheSessionWithAClearReason() throws Exception {
        Recording rec = new Recording(AudioSocketServer.builder());
        UUID id = UUID.randomUUID();
        AudioSocketCaller c = rec.connect(id);
        c.sendDtmf("1");
        c.sendRaw("GET / HTTP/1.1\r\n\r\n".getBytes());
        Call call = rec.call(id);
        assertThat(call.digits()).isEqualTo("1");
        assertThat(call.closed().reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(call.closed().detail()).contains("unknown AudioSocket frame type 0x47");
        assertThat(c.awaitServerClose(WAIT)).isTrue();
        // the server goes on
        UUID next = UUID.randomUUID();
        rec.connect(next).hangUp();
        assertThat(rec.call(next).closed().reason()).isEqualTo(CloseReason.PEER_CLOSED);
    }

    @Test
    void anOversizedFrameIsRefusedBeforeItsPayloadArrives() throws Exception {
        Recording rec = new Recording(AudioSocketServer.builder().maxPayload(1024));
        UUID id = UUID.randomUUID();
        AudioSocketCaller c = rec.connect(id);
        c.sendRaw(new byte[] {0x10, (byte) 0xff, (byte) 0xff, 1, 2, 3});
        Call call = rec.call(id);
        assertThat(call.closed().reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(call.closed().detail()).contains("65535 bytes exceeds the limit of 1024");
    }

    @Test
    void connectionsThatDoNotStartWithAUuidNeverReachTheHandler() throws Exception {
        Recording rec = new Recording(AudioSocketServer.builder().uuidTimeout(Duration.ofMillis(300)));
        try (Socket dtmfFirst = new Socket(InetAddress.getLoopbackAddress(), rec.server.port());
                Socket silent = new Socket(InetAddress.getLoopbackAddress(), rec.server.port());
                Socket garbage = new Socket(InetAddress.getLoopbackAddress(), rec.server.port())) {
            dtmfFirst.getOutputStream().write(HexFormat.of().parseHex("03000131"));
            garbage.getOutputStream().write("hello\n".getBytes());
            for (Socket s : List.of(dtmfFirst, silent, garbage)) {
                s.setSoTimeout(30_000);
                assertThat(s.getInputStream().read()).isEqualTo(-1); // closed by the server
            }
        }
        assertThat(rec.handled.get()).isZero();
        await().atMost(WAIT).until(() -> rec.server.openConnections() == 0);
        assertThat(rec.server.stats().closedByDeadline()).isEqualTo(1); // the silent one
    }

    @Test
    void peersOutsideTheAllowListAreTurnedAway() throws Exception {
        InetAddress asterisk = InetAddress.getByName("192.0.2.7");
        Recording rec = new Recording(AudioSocketServer.builder().allowFrom(asterisk::equals));
        AudioSocketCaller c = rec.connect(UUID.randomUUID());
        assertThat(c.awaitServerClose(WAIT)).isTrue();
        assertThat(rec.handled.get()).isZero();
        assertThat(rec.server.stats().refusedByAllowList()).isEqualTo(1);

        Recording allowed = new Recording(AudioSocketServer.builder().allowFrom(InetAddress::isLoopbackAddress));
        UUID id = UUID.randomUUID();
        AudioSocketCaller ok = allowed.connect(id);
        ok.sendDtmf("3");
        ok.hangUp();
        assertThat(allowed.call(id).digits()).isEqualTo("3");
    }

    @Test
    void aPeerOutsideTheAllowListIsClosedBeforeItsFirstFrame() throws Exception {
        // a UUID deadline far beyond the test: only a check at accept closes a peer that sends nothing
        Recording rec = new Recording(AudioSocketServer.builder().uuidTimeout(Duration.ofMinutes(10))
                .allowFrom(InetAddress::isSiteLocalAddress));
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), rec.server.port())) {
            silent.setSoTimeout(30_000);
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(rec.server.stats().refusedByAllowList()).isEqualTo(1);
        assertThat(rec.server.stats().accepted()).isZero();
        assertThat(rec.handled.get()).isZero();
    }

    @Test
    void aConnectionOverTheCapIsClosedAtOnceAndCounted() throws Exception {
        Recording rec = new Recording(AudioSocketServer.builder().maxConnections(1));
        UUID first = UUID.randomUUID();
        AudioSocketCaller one = rec.connect(first);
        one.sendDtmf("1");
        await().atMost(WAIT).until(() -> rec.handled.get() == 1);
        try (Socket over = new Socket(InetAddress.getLoopbackAddress(), rec.server.port())) {
            over.setSoTimeout(30_000);
            assertThat(over.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(rec.server.stats().refusedByCap()).isEqualTo(1);
        one.hangUp();
        assertThat(rec.call(first).digits()).isEqualTo("1");
        await().atMost(WAIT).until(() -> rec.server.openConnections() == 0);
        UUID second = UUID.randomUUID();
        AudioSocketCaller two = rec.connect(second);
        two.sendDtmf("2");
        two.hangUp();
        assertThat(rec.call(second).digits()).isEqualTo("2");
    }

    @Test
    void aFailingHandlerClosesItsCallOnly() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> second = new CompletableFuture<>();
        AudioSocketServer server = AudioSocketServer.builder().port(0).handler(session -> {
            if (calls.incrementAndGet() == 1) throw new IllegalStateException("boom (expected by the test)");
            AudioSocketEvent e = session.next(WAIT);
            second.complete(String.valueOf(e));
        }).start();
        closeables.add(server);
        try (AudioSocketCaller a = AudioSocketCaller.connect("127.0.0.1", server.port())) {
            assertThat(a.awaitServerClose(WAIT)).isTrue();
        }
        try (AudioSocketCaller b = AudioSocketCaller.connect("127.0.0.1", server.port())) {
            b.sendDtmf("*");
            assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("Dtmf[digit=*]");
        }
    }

    @Test
    void manyCallsAtOnceEachGetTheirOwnKeysAndAudio() throws Exception {
        Recording rec = new Recording(AudioSocketServer.builder());
        int n = 50;
        List<UUID> ids = new CopyOnWriteArrayList<>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            String keys = Integer.toString(i);
            callers.add(Thread.ofVirtual().start(() -> {
                try (AudioSocketCaller c = AudioSocketCaller.connect("127.0.0.1", rec.server.port(), id)) {
                    c.sendDtmf(keys);
                    c.sendTone(400 + 10 * keys.length(), Duration.ofSeconds(1), 5000, Pacing.FAST);
                    c.sendDtmf("#");
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (Thread t : callers) t.join(WAIT);
        for (int i = 0; i < n; i++) {
            Call call = rec.call(ids.get(i));
            assertThat(call.digits()).isEqualTo(i + "#");
            assertThat(call.audio()).hasSize(50);
            assertThat(call.levels()).hasSize(15);
            assertThat(call.closed().reason()).isEqualTo(CloseReason.PEER_CLOSED);
        }
    }

    @Test
    void closingTheServerEndsOpenCalls() throws Exception {
        CompletableFuture<AudioSocketEvent.Closed> end = new CompletableFuture<>();
        AudioSocketServer server = AudioSocketServer.builder().port(0)
                .handler(session -> end.complete(session.forEach(e -> {}))).start();
        AudioSocketCaller c = AudioSocketCaller.connect("127.0.0.1", server.port());
        closeables.add(c);
        await().atMost(WAIT).until(() -> server.openConnections() == 1);
        server.close();
        assertThat(c.awaitServerClose(WAIT)).isTrue();
        assertThat(end.get(30, TimeUnit.SECONDS).reason()).isIn(CloseReason.LOCAL_CLOSE, CloseReason.IO_ERROR, CloseReason.PEER_CLOSED);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> AudioSocketCaller.connect("127.0.0.1", server.port())).isInstanceOf(IOException.class);
    }

    static int indexOf(List<AudioSocketEvent> events, Class<?> type, int from) {
        for (int i = from; i < events.size(); i++) if (type.isInstance(events.get(i))) return i;
        return -1;
    }

}
