package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tinyphone.ari.AriConformance09aTest.until;

import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.ari.AriCapture;
import org.tinyphone.sim.ari.AriTranscriptReplay;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;
import org.tinyphone.sim.audio.Pcm;

/**
 * The ARI side of captures 10a (externalMedia over chan_websocket, both connection directions) and 10c
 * (externalMedia to an AudioSocket server): the client's bridge and externalMedia requests are checked against the
 * capture, the channel it gets back carries {@code channelvars}, and the externalMedia channel's own StasisStart
 * starts no app (the client made that channel). The media connections themselves ([media*], [as]) are the server's
 * business, not the ARI client's (server: {@code AriAudioConformanceTest}); here the simulated Asterisk's [as] side.
 */
@Timeout(60)
class AriConformanceMediaTest {

    private static AriTranscriptReplay ariOnly(String capture) {
        return AriTranscriptReplay.of(AriCapture.load(capture)).skip(s -> !Set.of("ws", "rest", "").contains(s.tag()))
                .allowOnce("GET", "channels", "[]");
    }

    @Test
    void capture10c_externalMediaToAnAudioSocketServerInABridge() throws Exception {
        List<Object> got = new CopyOnWriteArrayList<>();
        List<AriEvent> mine = new CopyOnWriteArrayList<>();
        List<AriEvent> all = new CopyOnWriteArrayList<>();
        AtomicInteger appRuns = new AtomicInteger();
        CountDownLatch mediaGone = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        try (AriTranscriptReplay replay = ariOnly("10c-ari-externalmedia-audiosocket.txt").start();
             AriClient c = AriClient.builder().url(replay.url()).credentials("lab", "labsecret").pingInterval(Duration.ZERO)
                     .onEvent(e -> {
                         all.add(e);
                         if (e instanceof AriEvent.ChannelDestroyed d && "as-1".equals(d.channelId())) mediaGone.countDown();
                     })
                     .app("tinyphone", call -> {
                         appRuns.incrementAndGet();
                         Ari ari = call.ari();
                         call.answer();
                         got.add(ari.bridges().create("mixing", "br-as", "audiosocket"));
                         got.add(ari.channels().externalMedia(ExternalMedia.audiosocket("tinyphone", "127.0.0.1:18093", "slin16",
                                 "40325ec2-5efd-4bd3-805f-53576e581d13").channelId("as-1")));
                         ari.bridges().addChannel("br-as", call.id(), "as-1");
                         until(call, mine, e -> e instanceof AriEvent.ChannelDtmfReceived d && d.digit().equals("#"));
                         mediaGone.await(10, TimeUnit.SECONDS);
                         call.hangup();
                         until(call, mine, e -> e instanceof AriEvent.StasisEnd);
                         ari.bridges().destroy("br-as");
                         done.countDown();
                     }).build()) {
            c.connect(Duration.ofSeconds(5));
            assertThat(done.await(20, TimeUnit.SECONDS)).as(() -> "replay: " + replay.mismatches() + " events: "
                    + all.stream().map(e -> e.type() + "/" + e.channelId()).toList()).isTrue();
            c.close();
            replay.await(Duration.ofSeconds(10));
        }
        assertThat(appRuns).hasValue(1);   // as-1 entered Stasis too, but the client made it: no app for it
        Channel media = (Channel) got.get(1);
        assertThat(media.id()).isEqualTo("as-1");
        assertThat(media.name()).isEqualTo("AudioSocket/127.0.0.1:18093-40325ec2-5efd-4bd3-805f-53576e581d13");
        assertThat(media.state()).isEqualTo("Down");
        assertThat(media.channelvars()).isEqualTo(Map.of("AUDIOSOCKET_SERVICE", "127.0.0.1:18093",
                "AUDIOSOCKET_UUID", "40325ec2-5efd-4bd3-805f-53576e581d13"));
        assertThat(((Bridge) got.get(0)).name()).isEqualTo("audiosocket");
        AriEvent.Dial dial = all.stream().filter(e -> e instanceof AriEvent.Dial).map(e -> (AriEvent.Dial) e).findFirst().orElseThrow();
        assertThat(dial.caller()).isNull();
        assertThat(dial.peer().id()).isEqualTo("as-1");
        assertThat(dial.dialstring()).isEqualTo("127.0.0.1:18093/40325ec2-5efd-4bd3-805f-53576e581d13");
        assertThat(dial.dialstatus()).isEmpty();
        AriEvent.StasisStart mediaStart = all.stream().filter(e -> e instanceof AriEvent.StasisStart s && "as-1".equals(s.channelId()))
                .map(e -> (AriEvent.StasisStart) e).findFirst().orElseThrow();
        assertThat(mediaStart.args()).containsExactly("40325ec2-5efd-4bd3-805f-53576e581d13");
        AriEvent.ChannelDestroyed destroyed = all.stream().filter(e -> e instanceof AriEvent.ChannelDestroyed)
                .map(e -> (AriEvent.ChannelDestroyed) e).findFirst().orElseThrow();
        assertThat(destroyed.cause()).isEqualTo(16);
        assertThat(destroyed.causeTxt()).isEqualTo("Normal Clearing");
        assertThat(all).filteredOn(e -> e.type().equals("ChannelConnectedLine")).allMatch(e -> e instanceof AriEvent.Other)
                .isNotEmpty();
        assertThat(mine).extracting(AriEvent::type).containsSubsequence("ChannelStateChange", "ChannelEnteredBridge",
                "ChannelDtmfReceived", "ChannelHangupRequest", "ChannelLeftBridge", "StasisEnd");
    }

    /**
     * the simulated Asterisk, which the server's end-to-end tests and {@code ./tinyphone simulate --via ari} use,
     * against the [as] side of 10c: it connects to {@code external_host}, sends the UUID frame first, then one frame
     * of the format's type per 20 ms of the bridged caller's audio, a 0x03 frame per key, and at our 0x00 frame closes
     * the connection and sends ChannelLeftBridge, StasisEnd, ChannelDestroyed (cause 16) and no ChannelHangupRequest.
     */
    @Test
    void capture10c_theSimulatedAsterisksAudioSocketMediaIsShapedLikeTheCapture() throws Exception {
        String uuid = "40325ec2-5efd-4bd3-805f-53576e581d13";
        List<AriEvent> media = new CopyOnWriteArrayList<>();
        CountDownLatch bridged = new CountDownLatch(1);
        try (ServerSocket audioSocketServer = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder()
                     .user("lab", "labsecret").start();
             AriClient c = AriClient.builder().url(sim.url()).credentials("lab", "labsecret")
                     .onEvent(e -> { if ("as-1".equals(e.channelId())) media.add(e); })
                     .app("tinyphone", call -> {
                         Ari ari = call.ari();
                         call.answer();
                         ari.bridges().create("mixing", "br-as", "audiosocket");
                         ari.channels().externalMedia(ExternalMedia.audiosocket("tinyphone", "127.0.0.1:" + audioSocketServer.getLocalPort(),
                                 "slin16", uuid).channelId("as-1"));
                         Awaitility.await().atMost(Duration.ofSeconds(10))
                                 .until(() -> media.stream().anyMatch(e -> e instanceof AriEvent.StasisStart));
                         ari.bridges().addChannel("br-as", call.id(), "as-1");
                         bridged.countDown();
                         until(call, new CopyOnWriteArrayList<>(), e -> e instanceof AriEvent.StasisEnd);
                     }).build()) {
            c.connect(Duration.ofSeconds(5));
            byte[] tone = Pcm.tone(440, Duration.ofMillis(500), 8000);
            SimulatedAriCall caller = sim.call("tinyphone").audio(tone).giveUpAfter(Duration.ofMinutes(1)).place();
            audioSocketServer.setSoTimeout(10_000);
            try (Socket as = audioSocketServer.accept()) {
                as.setSoTimeout(10_000);
                DataInputStream in = new java.io.DataInputStream(as.getInputStream());
                byte[] head = in.readNBytes(19);
                assertThat(HexFormat.of().formatHex(head)).isEqualTo("010010" + uuid.replace("-", ""));   // 10c: raw_header=010010
                assertThat(bridged.await(10, TimeUnit.SECONDS)).isTrue();
                int type = in.readUnsignedByte();
                int length = in.readUnsignedShort();
                assertThat(type).as("slin16 audio").isEqualTo(0x12);
                assertThat(length).isEqualTo(640);
                in.skipNBytes(length);
                caller.press('1');
                while (true) {   // audio frames, then the key's 03 0001 '1'
                    type = in.readUnsignedByte();
                    length = in.readUnsignedShort();
                    byte[] payload = in.readNBytes(length);
                    if (type == 0x03) {
                        assertThat(length).isEqualTo(1);
                        assertThat((char) payload[0]).isEqualTo('1');
                        break;
                    }
                    assertThat(type).isEqualTo(0x12);
                    assertThat(length).isEqualTo(640);
                }
                as.getOutputStream().write(new byte[] {0, 0, 0});   // our HANGUP frame
                while (in.read() >= 0) { }   // the simulator closes the connection
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> media.stream().anyMatch(e -> e instanceof AriEvent.ChannelDestroyed));
            assertThat(media).extracting(AriEvent::type).containsSubsequence("StasisStart", "ChannelEnteredBridge", "ChannelLeftBridge",
                    "StasisEnd", "ChannelDestroyed").doesNotContain("ChannelHangupRequest");
            AriEvent.ChannelDestroyed d = (AriEvent.ChannelDestroyed) media.getLast();
            assertThat(d.cause()).isEqualTo(16);
            assertThat(((AriEvent.StasisStart) media.stream().filter(e -> e instanceof AriEvent.StasisStart).findFirst().orElseThrow()).args())
                    .containsExactly(uuid);
            caller.hangup();
            assertThat(caller.await(Duration.ofSeconds(10)).audioFrames()).isPositive();
        }
    }

    @Test
    void capture10a_externalMediaOverChanWebsocketAsClientAndAsServer() throws Exception {
        List<Object> got = new CopyOnWriteArrayList<>();
        List<AriEvent> mine = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        try (AriTranscriptReplay replay = ariOnly("10a-chan-websocket-media.txt").start();
             AriClient c = AriClient.builder().url(replay.url()).credentials("lab", "labsecret").pingInterval(Duration.ZERO)
                     .app("tinyphone", call -> {
                         Ari ari = call.ari();
                         call.answer();
                         ari.bridges().create("mixing", "br-media", "media");
                         got.add(ari.channels().externalMedia(ExternalMedia.websocket("tinyphone", "media_out", "slin16").channelId("ws-client-1")));
                         ari.bridges().addChannel("br-media", call.id(), "ws-client-1");
                         until(call, mine, e -> e instanceof AriEvent.ChannelDtmfReceived d && d.digit().equals("1"));
                         got.add(ari.channels().externalMedia(new ExternalMedia("tinyphone", null, "none", "websocket", "server", "ulaw",
                                 null, null, "f(json)", "ws-server-1")));
                         ari.bridges().addChannel("br-media", "ws-server-1");
                         until(call, mine, e -> e instanceof AriEvent.StasisEnd);
                         ari.bridges().destroy("br-media");
                         done.countDown();
                     }).build()) {
            AriConformance09aTest.drive(replay, c, done);
        }
        Channel client = (Channel) got.get(0);
        assertThat(client.name()).isEqualTo("WebSocket/media_out/0x7f64c400c0e0");
        assertThat(client.channelvars()).containsEntry("MEDIA_WEBSOCKET_CONNECTION_ID", "media_out")
                .containsEntry("MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE", "640");
        Channel server = (Channel) got.get(1);
        assertThat(server.name()).startsWith("WebSocket/INCOMING/");
        assertThat(server.channelvars()).containsEntry("MEDIA_WEBSOCKET_CONNECTION_ID", "3ed3b459-c8b7-424c-b381-c016cfde1953")
                .containsEntry("MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE", "160");
        assertThat(mine).filteredOn(e -> e instanceof AriEvent.ChannelDtmfReceived).extracting(e -> ((AriEvent.ChannelDtmfReceived) e).digit())
                .containsExactly("1", "7");
        AriEvent.ChannelHangupRequest h = mine.stream().filter(e -> e instanceof AriEvent.ChannelHangupRequest)
                .map(e -> (AriEvent.ChannelHangupRequest) e).findFirst().orElseThrow();
        assertThat(h.cause()).isEqualTo(16);
    }
}
