package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.LogCapture;
import org.tinyphone.sim.agi.AgiPeer;
import org.tinyphone.sim.agi.FastAgiEnvironment;

/**
 * Outside bytes reach the log escaped, whichever way they come in: a FastAGI script path and channel, a caller id in
 * the bridge's "call … from … to …" line, an AudioSocket peer's bad first frame. No CR, LF or ESC ever reaches a log
 * line: they could end it, forge the next one, or drive the terminal that shows it.
 */
class LogEscapingEndToEndTest {

    @Test
    void fastAgiPathsChannelsAndCallerIdsAreEscapedInTheLog() throws Exception {
        try (RunningServer server = RunningServer.start(); LogCapture log = LogCapture.begin()) {
            try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port("fastagi"), Duration.ofSeconds(20), null)) {
                peer.sendEnvironment(FastAgiEnvironment.forScript("x\u001b]0;owned\u0007\rINFO forged")
                        .channel("PJSIP/\u001b[31mred").lines());
                assertThat(peer.readLine()).startsWith("VERBOSE"); // refused so the dialplan goes on
            }
            try (AgiPeer peer = AgiPeer.connect("127.0.0.1", server.port("fastagi"), Duration.ofSeconds(20), null)) {
                peer.sendEnvironment(FastAgiEnvironment.forScript("tinyphone").callerId("1555\r12:00 INFO  forged", "x")
                        .dnid("13605550111").lines());
                assertThat(peer.readLine()).startsWith("ANSWER");
            } catch (java.io.IOException closedEarly) {
                // we left without answering: the call ends, its log line is written already
            }
            try (Socket audiosocket = new Socket("127.0.0.1", server.port("audiosocket"))) {
                // a DTMF frame first (the UUID must come first) whose digit is an escape
                audiosocket.getOutputStream().write(HexFormat.of().parseHex("0300011b"));
                audiosocket.setSoTimeout(20_000);
                assertThat(audiosocket.getInputStream().read()).isEqualTo(-1);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> log.lines().stream().anyMatch(l -> l.contains("AudioSocket")));

            assertThat(log.lines()).anyMatch(l -> l.contains("no app for script path '/x\\x1b]0;owned\\x07\\rINFO forged'")
                    && l.contains("channel PJSIP/\\x1b[31mred"));
            assertThat(log.lines()).anyMatch(l -> l.contains("from 1555\\r12:00 INFO  forged to 13605550111 via fastagi"));
            assertThat(log.lines()).noneMatch(l -> l.contains("\r") || l.contains("\n") || l.contains("\u001b")
                    || l.contains("\u0007"));
        }
    }
}
