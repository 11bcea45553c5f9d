package org.tinyphone.relay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.EagiCaptures;
import org.tinyphone.sim.audio.AudioSocketCaller.Pacing;
import org.tinyphone.sim.audio.SimulatedRelay;

/** The server side of the relay tunnel, driven frame by frame by a simulated relay. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RelaySessionTest {

    static final String ENV = "agi_request: tinyphone-agi\nagi_channel: PJSIP/100-00000001\nagi_enhanced: 1.0\n"
            + "agi_uniqueid: 1795447226.35\nagi_arg_1: hello\n\n";

    private ServerSocket server;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setSoTimeout(30_000);
        closeables.add(server);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closeables.reversed()) c.close();
    }

    static final class Recorder implements RelayListener {
        final ByteArrayOutputStream audio = new ByteArrayOutputStream();
        final List<int[]> levels = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public synchronized void audio(byte[] pcm, int offset, int length) {
            audio.write(pcm, offset, length);
        }

        @Override
        public void level(int peak, int rms) {
            levels.add(new int[] {peak, rms});
        }

        @Override
        public void hangup() {
            events.add("hangup");
        }

        @Override
        public void ended(String reason) {
            events.add("ended: " + reason);
        }
    }

    SimulatedRelay relay() throws IOException {
        SimulatedRelay r = SimulatedRelay.connect("127.0.0.1", server.getLocalPort());
        closeables.add(r);
        return r;
    }

    RelaySession accept(RelayListener listener, boolean hangupLine) throws IOException {
        Socket s = server.accept();
        closeables.add(s);
        InputStream in = new BufferedInputStream(s.getInputStream());
        assertThat(RelayProtocol.isGreeting(RelaySession.readFirstLine(in))).isTrue();
        RelaySession session = RelaySession.open(s, in, listener, hangupLine);
        closeables.add(session);
        return session;
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') b.write(c);
        return c < 0 && b.size() == 0 ? null : b.toString(UTF_8);
    }

    @Test
    void environmentCommandsRepliesAudioAndTheRelaysEnd() throws Exception {
        SimulatedRelay relay = relay();
        Recorder rec = new Recorder();
        RelaySession session = accept(rec, true);
        OutputStream asterisk = relay.toServer();

        asterisk.write(ENV.getBytes(UTF_8));
        assertThat(new String(session.agiInput().readNBytes(ENV.length()), UTF_8)).isEqualTo(ENV);

        session.agiOutput().write("STREAM FILE tt-monkeys \"#\"\n".getBytes(UTF_8));
        assertThat(readLine(relay.fromServer())).isEqualTo("STREAM FILE tt-monkeys \"#\"");
        asterisk.write("200 result=35 endpos=6720\n".getBytes(UTF_8));
        assertThat(readLine(session.agiInput())).isEqualTo("200 result=35 endpos=6720");

        byte[] audio = EagiCaptures.eagiAudio();
        relay.sendAudio(audio, Pacing.FAST);
        await().atMost(Duration.ofSeconds(30)).until(() -> rec.levels.size() == 75);
        synchronized (rec) {
            assertThat(rec.audio.toByteArray()).isEqualTo(audio);
        }
        assertThat(rec.levels.get(1)).containsExactly(9623, 2611);

        relay.end("stdin closed");
        assertThat(session.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(session.agiInput().read()).isEqualTo(-1);
        assertThat(session.endReason()).isEqualTo("relay ended: stdin closed");
        assertThat(rec.events).containsExactly("ended: relay ended: stdin closed");
    }

    @Test
    void sighupInsertsAHangupLineAtTheNextLineBoundary() throws Exception {
        SimulatedRelay relay = relay();
        Recorder rec = new Recorder();
        RelaySession session = accept(rec, true);
        OutputStream asterisk = relay.toServer();
        asterisk.write(ENV.getBytes(UTF_8));
        session.agiInput().readNBytes(ENV.length());

        // the reply is half written when SIGHUP arrives: HANGUP must not split it
        asterisk.write("200 res".getBytes(UTF_8));
        relay.hangup();
        await().atMost(Duration.ofSeconds(30)).until(session::isHungUp);
        asterisk.write("ult=-1\n200 result=0\n".getBytes(UTF_8));
        assertThat(readLine(session.agiInput())).isEqualTo("200 result=-1");
        assertThat(readLine(session.agiInput())).isEqualTo("HANGUP");
        assertThat(readLine(session.agiInput())).isEqualTo("200 result=0");
        assertThat(rec.events).containsExactly("hangup");

        // at a line boundary it comes at once
        relay.hangup();
        assertThat(readLine(session.agiInput())).isEqualTo("HANGUP");
    }

    @Test
    void withoutHangupLinesOnlyTheListenerAndFlagTellTheHangup() throws Exception {
        SimulatedRelay relay = relay();
        Recorder rec = new Recorder();
        RelaySession session = accept(rec, false);
        relay.toServer().write(ENV.getBytes(UTF_8));
        relay.hangup();
        relay.toServer().write("200 result=0\n".getBytes(UTF_8));
        session.agiInput().readNBytes(ENV.length());
        assertThat(readLine(session.agiInput())).isEqualTo("200 result=0");
        assertThat(session.isHungUp()).isTrue();
        assertThat(rec.events).containsExactly("hangup");
    }

    @Test
    void closeSendsEndToTheRelay() throws Exception {
        SimulatedRelay relay = relay();
        Recorder rec = new Recorder();
        RelaySession session = accept(rec, true);
        session.close("call done");
        assertThat(relay.awaitEnd(30, TimeUnit.SECONDS)).isEqualTo("END call done");
        assertThat(session.isOpen()).isFalse();
        assertThat(rec.events).containsExactly("ended: call done");
        session.close(); // again: nothing happens
        assertThat(rec.events).hasSize(1);
        assertThatThrownBy(() -> session.agiOutput().write("NOOP\n".getBytes(UTF_8)))
                .isInstanceOf(IOException.class).hasMessageContaining("relay tunnel closed: call done");
    }

    @Test
    void unknownFrameTypeEndsTheSessionWithAClearReason() throws Exception {
        SimulatedRelay relay = relay();
        Recorder rec = new Recorder();
        RelaySession session = accept(rec, true);
        relay.sendFrame(0x7f, new byte[3], 0, 3);
        assertThat(session.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(session.endReason()).contains("unknown frame type 0x7f (length 3)");
        assertThat(session.agiInput().read()).isEqualTo(-1);
    }

    @Test
    void aRelayThatVanishesMidFrameEndsTheSession() throws Exception {
        SimulatedRelay relay = relay();
        Recorder rec = new Recorder();
        RelaySession session = accept(rec, true);
        relay.sendRaw(new byte[] {0x01, 0x00, 0x10, 'a', 'g'});
        relay.close();
        assertThat(session.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(session.endReason()).contains("ended inside a frame");
        assertThat(rec.events).hasSize(1);
    }

    @Test
    void anAppThatStopsReadingCannotMakeTheServerBufferForever() throws Exception {
        SimulatedRelay relay = relay();
        RelaySession session = accept(new Recorder(), true);
        byte[] chunk = new byte[60_000];
        java.util.Arrays.fill(chunk, (byte) 'x');
        for (int i = 0; i < 20 && session.isOpen(); i++) {
            try {
                relay.toServer().write(chunk);
            } catch (IOException e) {
                break; // the server closed the tunnel
            }
        }
        assertThat(session.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(session.endReason()).contains("bytes of unread AGI input");
    }

    @Test
    void aRelayThatKeepsSendingHangupsIsCutOffAtTheSameLimit() throws Exception {
        // found by RelaySessionFuzzTest: each HANGUP frame (3 bytes) queued a 7-byte HANGUP line past the limit
        SimulatedRelay relay = relay();
        RelaySession session = accept(new RelayListener() { }, true); // (Recorder's list would copy itself per hangup)
        byte[] hangups = new byte[3 * 100_000];
        for (int i = 0; i < hangups.length; i += 3) hangups[i] = RelayProtocol.HANGUP;
        for (int i = 0; i < 10 && session.isOpen(); i++) {
            try {
                relay.sendRaw(hangups);
            } catch (IOException e) {
                break; // the server closed the tunnel
            }
        }
        assertThat(session.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(session.endReason()).contains("bytes of unread AGI input");
        assertThat(session.agiInput().available()).isLessThanOrEqualTo(RelaySession.MAX_BUFFERED_AGI);
    }

    @Test
    void aListenerThatThrowsDoesNotBreakTheCall() throws Exception {
        SimulatedRelay relay = relay();
        RelaySession session = accept(new RelayListener() {
            @Override
            public void audio(byte[] pcm, int offset, int length) {
                throw new IllegalStateException("listener bug (expected by the test)");
            }
        }, true);
        relay.sendAudio(new byte[640], Pacing.FAST);
        relay.toServer().write(ENV.getBytes(UTF_8));
        assertThat(new String(session.agiInput().readNBytes(ENV.length()), UTF_8)).isEqualTo(ENV);
        assertThat(session.audioBytes()).isEqualTo(640);
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void theGreetingIsToldApartFromTheOriginalHubsLines() throws IOException {
        InputStream legacy = new ByteArrayInputStream("id:1795447226.35,event:new_call,value:15550001111|13605162099\n".getBytes(UTF_8));
        String first = RelaySession.readFirstLine(legacy);
        assertThat(first).startsWith("id:");
        assertThat(RelayProtocol.isGreeting(first)).isFalse();
        assertThat(RelayProtocol.isGreeting("TINYPHONE-RELAY/1")).isTrue();
        assertThat(RelayProtocol.isGreeting("TINYPHONE-RELAY/1\r")).isTrue();
        assertThat(RelayProtocol.isGreeting("TINYPHONE-RELAY/2")).isFalse();
        assertThat(RelayProtocol.isGreeting(null)).isFalse();
        assertThat(RelayProtocol.startsLikeGreeting("TINY".getBytes(UTF_8), 4)).isTrue();
        assertThat(RelayProtocol.startsLikeGreeting("id:1".getBytes(UTF_8), 4)).isFalse();
        // the line reader stops at the LF: the frames after it stay in the stream
        InputStream tunnel = new ByteArrayInputStream("TINYPHONE-RELAY/1\n\u0001\u0000\u0001x".getBytes(UTF_8));
        assertThat(RelaySession.readFirstLine(tunnel)).isEqualTo("TINYPHONE-RELAY/1");
        assertThat(RelayProtocol.readFrame(tunnel)).satisfies(f -> {
            assertThat(f.type()).isEqualTo(RelayProtocol.AGI_IN);
            assertThat(f.text()).isEqualTo("x");
        });
        // a line that never ends is not read forever
        assertThat(RelaySession.readFirstLine(new ByteArrayInputStream(new byte[10_000]))).isNull();
    }

    @Test
    void acceptGreetingConsumesOnlyTheGreetingAndLeavesLegacyLinesUntouched() throws IOException {
        String legacyLine = "id:1795447226.35,event:new_call,value:15550001111|13605162099|a|b\n";
        BufferedInputStream legacy = new BufferedInputStream(new ByteArrayInputStream(legacyLine.getBytes(UTF_8)));
        assertThat(RelayProtocol.acceptGreeting(legacy)).isFalse();
        assertThat(new String(legacy.readAllBytes(), UTF_8)).isEqualTo(legacyLine); // nothing consumed

        BufferedInputStream tunnel = new BufferedInputStream(
                new ByteArrayInputStream("TINYPHONE-RELAY/1\n\u0004\u0000\u0000".getBytes(UTF_8)));
        assertThat(RelayProtocol.acceptGreeting(tunnel)).isTrue();
        assertThat(RelayProtocol.readFrame(tunnel).type()).isEqualTo(RelayProtocol.END);

        BufferedInputStream almost = new BufferedInputStream(new ByteArrayInputStream("TINYPHONE-RELAY/9\n".getBytes(UTF_8)));
        assertThat(RelayProtocol.acceptGreeting(almost)).isFalse();
        assertThat(new String(almost.readAllBytes(), UTF_8)).isEqualTo("TINYPHONE-RELAY/9\n");
        assertThat(RelayProtocol.acceptGreeting(new BufferedInputStream(new ByteArrayInputStream(new byte[0])))).isFalse();
        assertThatThrownBy(() -> RelayProtocol.acceptGreeting(new ByteArrayInputStream(new byte[0]) {
            @Override
            public boolean markSupported() {
                return false;
            }
        })).isInstanceOf(IllegalArgumentException.class);

        String longLegacy = "id:1,event:new_call,value:" + "x|".repeat(300) + "\n";
        assertThat(RelaySession.readFirstLine(new ByteArrayInputStream(longLegacy.getBytes(UTF_8)), 8192))
                .isEqualTo(longLegacy.strip());
    }

    @Test
    void relayAddresses() {
        assertThat(RelayMain.parseAddress("127.0.0.1:12001")).containsExactly("127.0.0.1", "12001");
        assertThat(RelayMain.parseAddress("tinyphone.local:9000")).containsExactly("tinyphone.local", "9000");
        assertThat(RelayMain.parseAddress("10.0.0.5")).containsExactly("10.0.0.5", "12001");
        assertThat(RelayMain.parseAddress(":12009")).containsExactly("127.0.0.1", "12009");
        assertThat(RelayMain.parseAddress("[::1]:12001")).containsExactly("::1", "12001");
        assertThat(RelayMain.parseAddress("[fe80::1]")).containsExactly("fe80::1", "12001");
        assertThat(RelayMain.parseAddress("::1")).containsExactly("::1", "12001");
        assertThat(RelayMain.parseAddress("host:notaport")).containsExactly("host", "notaport"); // refused later
    }

    @Test
    void theRelaysOwnArgumentIsTakenOutOfTheEnvironment() {
        String env = "agi_request: tinyphone-agi\nagi_arg_1: --relay=10.0.0.5:12001\nagi_arg_2: hello\nagi_arg_3: x y\n\n";
        assertThat(RelayMain.AgiEnvironmentReader.stripFirstArg(env))
                .isEqualTo("agi_request: tinyphone-agi\nagi_arg_1: hello\nagi_arg_2: x y\n\n");
    }
}
