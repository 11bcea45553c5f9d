package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

/**
 * The original hub's client dialect over a real socket on 12002, byte for byte: what the Processing and
 * openFrameworks client libraries receive.
 */
class OriginalTcpClientEndToEndTest {
    static final String NUMBER = "13605162099";
    ServerFixture fx;

    @BeforeEach
    void start() {
        fx = ServerFixture.start(Map.of("token.19995550000", "s3cret"));
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    Call place(String id, String number, List<String> args) {
        return fx.bridge().open(new CallInfo(id, "16466429290", "Carol", number, args, "", "legacy", Instant.now()), null);
    }

    void awaitSubscribers(String number, int n) {
        await().atMost(Duration.ofSeconds(15)).until(() -> fx.bridge().subscriberCount(number) == n);
    }

    @Test
    void nullTerminatedClientGetsTheHubsMessagesByteForByte() throws Exception {
        try (TcpTestClient client = TcpTestClient.connect(fx.tcpPort())) {
            client.send("CONNECT,UNIQUEID123456," + NUMBER + ",NULL\0");
            awaitSubscribers(NUMBER, 1);
            place("other.1", "15550009999", List.of()).keypress('9'); // another number: not for this client

            Call call = place("133238984.24", NUMBER, List.of("red", "blue"));
            call.keypress('*');
            call.audioLevel(56);
            call.hangup("caller");

            String expected = "{\"id\":\"133238984.24\",\"event\":\"new_call\",\"value\":\"16466429290|red|blue\"}\0"
                    + "{\"id\":\"133238984.24\",\"event\":\"keypress\",\"value\":\"*\"}\0"
                    + "{\"id\":\"133238984.24\",\"event\":\"audio_level\",\"value\":\"56\"}\0"
                    + "{\"id\":\"133238984.24\",\"event\":\"hangup\",\"value\":\"0\"}\0";
            assertThat(client.readBytes(expected.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)).isEqualTo(expected);
        }
    }

    @Test
    void crClientGetsNewlineTerminatedMessagesAndConnectMayEndWithNewline() throws Exception {
        try (TcpTestClient client = TcpTestClient.connect(fx.tcpPort())) {
            client.send("CONNECT,abc," + NUMBER + ",CR\n");
            awaitSubscribers(NUMBER, 1);
            Call call = place("1.7", NUMBER, List.of());
            call.keypress('3');
            call.hangup("caller");

            String expected = "{\"id\":\"1.7\",\"event\":\"new_call\",\"value\":\"16466429290\"}\n"
                    + "{\"id\":\"1.7\",\"event\":\"keypress\",\"value\":\"3\"}\n"
                    + "{\"id\":\"1.7\",\"event\":\"hangup\",\"value\":\"0\"}\n";
            assertThat(client.readBytes(expected.length())).isEqualTo(expected);
        }
    }

    @Test
    void malformedLinesAreIgnoredAndALaterConnectMovesTheClientToAnotherNumber() throws Exception {
        try (TcpTestClient client = TcpTestClient.connect(fx.tcpPort())) {
            client.send("CONNECT,a,1111,NULL\0");
            awaitSubscribers("1111", 1);
            client.send("HELLO\nCONNECT,a,b\n" + "x".repeat(100_000) + "\n" + "CONNECT,a," + NUMBER + ",NULL\0");
            awaitSubscribers(NUMBER, 1);
            awaitSubscribers("1111", 0);
            place("2.1", "1111", List.of()); // the old number: not any more
            place("2.2", NUMBER, List.of()).hangup("caller");
            assertThat(client.read('\0')).isEqualTo("{\"id\":\"2.2\",\"event\":\"new_call\",\"value\":\"16466429290\"}");
            assertThat(client.read('\0')).isEqualTo("{\"id\":\"2.2\",\"event\":\"hangup\",\"value\":\"0\"}");
        }
    }

    @Test
    void aNumberWithATokenTakesTheTokenAsClientId() throws Exception {
        String gated = "19995550000";
        try (TcpTestClient client = TcpTestClient.connect(fx.tcpPort())) {
            client.send("CONNECT,guess," + gated + ",NULL\0CONNECT,x,2222,NULL\0");
            awaitSubscribers("2222", 1); // lines are handled in order: the first one was refused
            assertThat(fx.bridge().subscriberCount(gated)).isZero();
            client.send("CONNECT,s3cret," + gated + ",NULL\0");
            awaitSubscribers(gated, 1);
            place("3.1", gated, List.of()).hangup("caller");
            assertThat(client.read('\0')).contains("\"id\":\"3.1\",\"event\":\"new_call\"");
        }
    }

    @Test
    void everyOriginalClientOfANumberGetsTheCallAndAClosedOneIsForgotten() throws Exception {
        try (TcpTestClient a = TcpTestClient.connect(fx.tcpPort()); TcpTestClient b = TcpTestClient.connect(fx.tcpPort())) {
            TcpTestClient c = TcpTestClient.connect(fx.tcpPort());
            a.send("CONNECT,a," + NUMBER + ",NULL\0");
            b.send("CONNECT,b," + NUMBER + ",CR\n");
            c.send("CONNECT,c," + NUMBER + ",CR\n");
            awaitSubscribers(NUMBER, 3);
            c.close();
            awaitSubscribers(NUMBER, 2);
            assertThat(fx.server.clients().count(ClientSessions.ORIGINAL)).isEqualTo(2);
            place("4.1", NUMBER, List.of()).keypress('1');
            assertThat(a.read('\0')).contains("new_call");
            assertThat(a.read('\0')).isEqualTo("{\"id\":\"4.1\",\"event\":\"keypress\",\"value\":\"1\"}");
            assertThat(b.read('\n')).contains("new_call");
            assertThat(b.read('\n')).isEqualTo("{\"id\":\"4.1\",\"event\":\"keypress\",\"value\":\"1\"}");
        }
    }

    @Test
    void serverStopHangsUpCallsInProgressAndClientsSeeIt() throws Exception {
        TcpTestClient client = TcpTestClient.connect(fx.tcpPort());
        client.send("CONNECT,a," + NUMBER + ",NULL\0");
        awaitSubscribers(NUMBER, 1);
        place("5.1", NUMBER, List.of());
        assertThat(client.read('\0')).contains("new_call");
        fx.close();
        assertThat(client.read('\0')).isEqualTo("{\"id\":\"5.1\",\"event\":\"hangup\",\"value\":\"0\"}");
        assertThat(client.drainUntilClosed()).isTrue();
        assertThat(fx.bridge().calls()).isEmpty();
        assertThat(Bridge.ALL_NUMBERS).isEqualTo("*");
    }
}
