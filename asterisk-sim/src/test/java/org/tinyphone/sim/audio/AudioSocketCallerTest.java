package org.tinyphone.sim.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The simulated Asterisk's AudioSocket() application against a server on a real socket. */
class AudioSocketCallerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void fastAudioIsFramedIn320ByteFramesAfterTheUuidFrame() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            UUID uuid = UUID.fromString("0b1f2e3d-4c5b-6a79-8877-665544332211");
            try (AudioSocketCaller asterisk = AudioSocketCaller.connect("127.0.0.1", server.getLocalPort(), uuid);
                 Socket s = server.accept()) {
                asterisk.sendAudio(new byte[700], AudioSocketCaller.Pacing.FAST);
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertThat(in.readUnsignedByte()).isEqualTo(0x01);                   // 01 0010 + uuid
                assertThat(in.readUnsignedShort()).isEqualTo(16);
                in.skipNBytes(16);
                for (int expected : new int[] {320, 320, 60}) {                  // 10 0140 + 320 bytes, ...
                    assertThat(in.readUnsignedByte()).isEqualTo(0x10);
                    assertThat(in.readUnsignedShort()).isEqualTo(expected);
                    in.skipNBytes(expected);
                }
                assertThat(asterisk.framesSent()).isEqualTo(3);
            }
        }
    }

    @Test
    void aPeerThatAnswersWithTextIsNoAudioSocketServer() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            try (AudioSocketCaller asterisk = AudioSocketCaller.connect("127.0.0.1", server.getLocalPort());
                 Socket s = server.accept()) {
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThatThrownBy(() -> asterisk.readFrame(WAIT))
                        .isInstanceOfSatisfying(AudioSocketCaller.NotAudioSocketException.class,
                                e -> assertThat(e.said()).isEqualTo("HTTP/1.1 400 Bad Request"));
            }
        }
    }
}
