package org.tinyphone.sim.ami;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.tinyphone.sim.Transcript;

/** The replay really checks what the client sends, maps ActionIDs, and fails on a wrong message. */
class TranscriptReplayTest {

    private static String send(Socket s, String text) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return text;
    }

    @Test
    void aMatchingClientGetsAsterisksLinesWithItsOwnActionIds() throws Exception {
        TranscriptReplay r = new TranscriptReplay(Transcript.load("05a-ami-login-ping-logoff.txt"), Duration.ofSeconds(5));
        try (FakeAmiServer server = FakeAmiServer.start(r); Socket s = new Socket("127.0.0.1", server.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("Asterisk Call Manager/11.0.0");
            send(s, "Action: Login\r\nUsername: lab\r\nSecret: labsecret\r\nActionID: mine-1\r\n\r\n");
            assertThat(in.readLine()).isEqualTo("Response: Success");
            assertThat(in.readLine()).isEqualTo("ActionID: mine-1");
            send(s, "Action: Ping\r\nActionID: mine-2\r\n\r\n");
            send(s, "Action: Ping\r\nActionID: mine-3\r\n\r\n");   // the capture's second Ping had none: it is inserted
            String all;
            StringBuilder sb = new StringBuilder();
            String line;
            while (!(line = in.readLine()).equals("Timestamp: 1795447298.231697")) sb.append(line).append('\n');
            all = sb.toString();
            assertThat(all).contains("ActionID: mine-2\nPing: Pong").contains("Response: Success\nActionID: mine-3\nPing: Pong");
        }
        assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        assertThat(r.failures()).singleElement().asString().contains("got nothing");   // we never sent the Logoff
    }

    @Test
    void aWrongMessageIsReported() throws Exception {
        TranscriptReplay r = new TranscriptReplay(Transcript.load("05a-ami-login-ping-logoff.txt"), Duration.ofSeconds(5));
        try (FakeAmiServer server = FakeAmiServer.start(r); Socket s = new Socket("127.0.0.1", server.port())) {
            send(s, "Action: Login\r\nUsername: lab\r\nSecret: other\r\nActionID: 1\r\n\r\n");
            assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(r.failures()).singleElement().asString().contains("Secret: other").contains("Secret: labsecret");
    }
}
