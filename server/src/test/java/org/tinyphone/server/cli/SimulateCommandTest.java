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
    void overAriItPlaysAsteriskForTheServerToConnectToAndPlacesTheCallIntoStasis() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TinyphoneConfig config = TinyphoneConfig.defaults().with(Map.of("relay.enabled", "false", "clients.port", "0",
                "http.enabled", "false", "fastagi.enabled", "false", "audiosocket.port", "0", "sms.port", "0",
                "ari.enabled", "true", "ari.url", "http://127.0.0.1:" + port, "ari.user", "sim", "ari.password", "simsecret"));
        try (TinyphoneServer server = TinyphoneServer.start(config)) {   // nothing listens on that port yet: it keeps trying
            String[] r = run("simulate", "--to", "13605162099", "--name", "Carol", "--keys", "47", "--via", "ari",
                    "--port", String.valueOf(port), "--ari-user", "sim", "--ari-password", "simsecret", "--arg", "lobby",
                    "--first-key", "300", "--key-gap", "100", "--hold", "1000", "--wait", "60");
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(server.port("ari")).as("registered with Asterisk's port").isEqualTo(port);
            assertThat(r[1]).contains("simulated Asterisk (ARI) on http://127.0.0.1:" + port)
                    .contains("calling 13605162099 from 15550001111 (Carol) via ari")
                    .containsPattern("call \\S+: pressed 4 7, caller hung up after [0-9.]+ s, [0-9.]+ s of audio sent")
                    .contains("ARI requests from the server about the call: GET channels/").contains("/answer");
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

    @Test
    void simulateSmsPostsATextAsTwilioWouldSignedWhenTheServerWantsASignature() throws Exception {
        TinyphoneConfig config = TinyphoneConfig.defaults().with(Map.of("relay.enabled", "false", "clients.port", "0",
                "clients.bind", "127.0.0.1", "http.enabled", "false", "fastagi.enabled", "false",
                "audiosocket.enabled", "false", "sms.port", "0", "sms.auth-token", "tw1lio", "sms.response", "got it"));
        try (TinyphoneServer server = TinyphoneServer.start(config);
             org.tinyphone.server.TcpTestClient legacy = org.tinyphone.server.TcpTestClient.connect(server.port("clients"))) {
            legacy.send("CONNECT,a,13605162099,CR\n");
            org.awaitility.Awaitility.await().until(() -> server.bridge().subscriberCount("13605162099") == 1);
            String port = String.valueOf(server.port("sms"));
            String[] unsigned = run("simulate", "--to", "13605162099", "--sms", "hello there", "--port", port);
            assertThat(unsigned[0]).isEqualTo("1");
            assertThat(unsigned[1]).contains("webhook answered 403").contains("X-Twilio-Signature");
            String[] r = run("simulate", "--to", "13605162099", "--from", "15550002222", "--sms", "hello there",
                    "--port", port, "--auth-token", "tw1lio");
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[1]).contains("texting +13605162099 from +15550002222")
                    .contains("webhook answered 200: <?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>got it</Message></Response>");
            assertThat(legacy.read('\n')).endsWith("\"event\":\"sms\",\"value\":\"15550002222|hello%20there\"}");
        }
    }
}
