package org.tinyphone.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.config.TinyphoneConfig;

/** `./tinyphone simulate` against a running server, and against nothing. */
class SimulateCommandTest {

    private static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new String[] {String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void simulateSaysWhatHappenedOnTheCall() {
        TinyphoneConfig config = TinyphoneConfig.defaults().with(Map.of("relay.port", "0", "clients.port", "0",
                "clients.bind", "127.0.0.1", "http.enabled", "false", "fastagi.port", "0", "audiosocket.port", "0", "sms.port", "0"));
        try (TinyphoneServer server = TinyphoneServer.start(config)) {
            String[] r = run("simulate", "--to", "13605162099", "--name", "Carol", "--keys", "12#", "--via", "relay",
                    "--port", String.valueOf(server.port("relay")), "--first-key", "100", "--key-gap", "50",
                    "--hold", "100");
            assertThat(r[0]).isEqualTo("0");
            assertThat(r[1]).contains("calling 13605162099 from 15550001111 (Carol) via relay")
                    .contains("audio: tone").containsPattern("call \\S+: pressed 1 2 #, caller hung up after")
                    .contains("AGI commands from the server: ANSWER, WAIT FOR DIGIT 250");
        }
    }

    @Test
    void withNoServerItSaysHowToStartOne() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String[] r = run("simulate", "--to", "1", "--port", String.valueOf(port));
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("nothing is listening on 127.0.0.1:" + port).contains("./tinyphone server");
    }
}
