package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.WsTestClient;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CommandResult;

/**
 * Who may watch and command, seen from the wire: clients on this machine and on other hosts (a connection from a
 * non-loopback address of this machine is one from another host as far as the server can tell), browsers from
 * foreign origins, and pages that point a name of their own at the server (DNS rebinding).
 */
class AccessEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A non-loopback IPv4 address of this machine, or null. */
    private static InetAddress otherHostAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) continue;
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) return a;
            }
        }
        return null;
    }

    private static ServerFixture listeningEverywhere(Path dir, Map<String, String> more) {
        Map<String, String> o = new java.util.HashMap<>(Map.of("clients.bind", "0.0.0.0", "http.bind", "0.0.0.0",
                "access.token-file", dir.resolve("admin-token").toString()));
        o.putAll(more);
        return ServerFixture.start(o);
    }

    private static Call callOn(ServerFixture fx, String number, java.util.List<String> commandsSeen) {
        return fx.bridge().open(new CallInfo("c-" + number, "15550001111", "", number, null, "", "fastagi", null),
                cmd -> {
                    commandsSeen.add(cmd.kind());
                    return java.util.concurrent.CompletableFuture.completedFuture(CommandResult.ok(""));
                });
    }

    @Test
    void withoutPublicOtherHostsGetNothingAndThisMachineEverything(@TempDir Path dir) throws Exception {
        InetAddress other = otherHostAddress();
        assumeTrue(other != null, "this machine has no non-loopback address to connect from");
        try (ServerFixture fx = listeningEverywhere(dir, Map.of());
             TcpTestClient remote = TcpTestClient.connectFrom(other, other.getHostAddress(), fx.tcpPort());
             TcpTestClient original = TcpTestClient.connectFrom(other, other.getHostAddress(), fx.tcpPort());
             TcpTestClient local = TcpTestClient.connect(fx.tcpPort())) {
            remote.send("{\"type\":\"subscribe\",\"number\":\"13605162099\",\"id\":1}\n");
            remote.expectLater();
            JsonNode refused = remote.expect("error");
            assertThat(refused.path("code").asText()).isEqualTo("forbidden");
            assertThat(refused.path("message").asText()).contains("other hosts", "access.remote=watch");

            original.send("CONNECT,1763900000.1,13605162099,NULL\0");
            local.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":2}\n");
            local.expectLater();
            assertThat(local.expect("subscribed").path("number").asText()).isEqualTo("*");

            java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            Call call = callOn(fx, "13605162099", seen);
            assertThat(local.expect("new_caller").path("call").asText()).isEqualTo(call.id());
            call.hangup("caller");
            assertThat(local.expect("hangup").path("call").asText()).isEqualTo(call.id());
            // the original-dialect client on another host was refused: it got nothing of the call, not even its hangup
            original.socket().setSoTimeout(500);
            assertThatThrownBy(() -> original.read('\0')).isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(fx.server.adminToken()).as("other hosts can connect: the server made an admin token").isNotNull();
        }
    }

    @Test
    void withPublicOtherHostsWatchWithoutATokenAndCommandWithTheAdminToken(@TempDir Path dir) throws Exception {
        InetAddress other = otherHostAddress();
        assumeTrue(other != null, "this machine has no non-loopback address to connect from");
        try (ServerFixture fx = ServerFixture.start(Map.of("public", "true", "clients.bind", "0.0.0.0",
                "access.token-file", dir.resolve("admin-token").toString()));
             TcpTestClient watcher = TcpTestClient.connectFrom(other, other.getHostAddress(), fx.tcpPort());
             TcpTestClient original = TcpTestClient.connectFrom(other, other.getHostAddress(), fx.tcpPort());
             TcpTestClient admin = TcpTestClient.connectFrom(other, other.getHostAddress(), fx.tcpPort())) {
            String token = fx.server.adminToken().token();
            assertThat(fx.server.adminToken().file()).isEqualTo(dir.resolve("admin-token"));

            watcher.send("{\"type\":\"subscribe\",\"number\":\"+1 360 516 2099\",\"id\":1}\n");
            watcher.expectLater();
            assertThat(watcher.expect("subscribed").path("number").asText()).isEqualTo("13605162099");
            watcher.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":2}\n");
            assertThat(watcher.expect("error").path("message").asText()).contains("admin token");
            original.send("CONNECT,1763900000.1,13605162099,NULL\0");
            admin.send("{\"type\":\"subscribe\",\"number\":\"*\",\"token\":\"" + token + "\",\"id\":3}\n");
            admin.expectLater();
            admin.expect("subscribed");
            // the original dialect's CONNECT gets no reply: the call comes once the server has read it
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> fx.bridge().subscriberCount("13605162099") == 2);

            java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            Call call = callOn(fx, "13605162099", seen);
            assertThat(watcher.expect("new_caller").path("call").asText()).isEqualTo(call.id());
            assertThat(JSON.readTree(original.read('\0')).path("event").asText()).isEqualTo("new_call");
            admin.expect("new_caller");

            watcher.send("{\"type\":\"command\",\"command\":\"hangup\",\"call\":\"" + call.id() + "\",\"id\":4}\n");
            JsonNode refused = watcher.expect("error");
            assertThat(refused.path("code").asText()).isEqualTo("forbidden");
            assertThat(refused.path("message").asText()).contains("commands", "token");
            assertThat(seen).isEmpty();

            admin.send("{\"type\":\"command\",\"command\":\"hangup\",\"call\":\"" + call.id() + "\",\"id\":5}\n");
            assertThat(admin.expect("result").path("ok").asBoolean()).isTrue();
            assertThat(seen).containsExactly("hangup");
        }
        // the same token at the next start: it was kept
        try (ServerFixture again = ServerFixture.start(Map.of("public", "true", "clients.bind", "0.0.0.0",
                "access.token-file", dir.resolve("admin-token").toString()))) {
            assertThat(again.server.adminToken().made()).isFalse();
        }
    }

    @Test
    void aBrowserWebsocketFromAForeignOriginIsRefused(@TempDir Path dir) throws Exception {
        try (ServerFixture fx = ServerFixture.start(Map.of("http.allowed-origins", "https://screen.example.org"))) {
            int port = fx.httpPort();
            assertThatThrownBy(() -> WsTestClient.connect(port, Map.of("Origin", "http://evil.example")))
                    .hasStackTraceContaining("403");
            assertThatThrownBy(() -> WsTestClient.connect(port, Map.of("Origin", "http://127.0.0.1:" + (port + 1))))
                    .as("another port is another origin").hasStackTraceContaining("403");
            for (String origin : new String[] {"http://127.0.0.1:" + port, "https://screen.example.org"}) {
                try (WsTestClient ws = WsTestClient.connect(port, Map.of("Origin", origin))) {
                    ws.expect("hello");
                    ws.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":\"s\"}");
                    ws.expect("subscribed");
                }
            }
            try (WsTestClient script = WsTestClient.connect(port)) {
                script.expect("hello"); // no Origin: not a browser
            }
        }
    }

    @Test
    void aPageThatPointsItsOwnNameAtTheServerCountsAsAnotherHost() throws Exception {
        try (ServerFixture fx = ServerFixture.start()) {
            int port = fx.httpPort();
            // DNS rebinding: evil.example resolves to 127.0.0.1, so the browser's Origin and Host both say evil.example
            String reply = rawWebSocketSubscribe(port, "evil.example:" + port, "http://evil.example:" + port);
            assertThat(reply).contains("\"forbidden\"").contains("admin token");
            String local = rawWebSocketSubscribe(port, "localhost:" + port, "http://localhost:" + port);
            assertThat(local).contains("\"subscribed\"");
        }
    }

    /** Upgrades by hand (the JDK client cannot set Host), subscribes to "*" and returns the reply to it. */
    private static String rawWebSocketSubscribe(int port, String host, String origin) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: " + origin
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(s.getInputStream());
            String status = line(in);
            assertThat(status).as("upgrade answer").contains("101");
            while (!line(in).isEmpty()) { /* headers */ }
            byte[] msg = "{\"type\":\"subscribe\",\"number\":\"*\",\"id\":\"s\"}".getBytes(StandardCharsets.UTF_8);
            byte[] frame = new byte[2 + 4 + msg.length];
            frame[0] = (byte) 0x81;
            frame[1] = (byte) (0x80 | msg.length);
            byte[] mask = {1, 2, 3, 4};
            System.arraycopy(mask, 0, frame, 2, 4);
            for (int i = 0; i < msg.length; i++) frame[6 + i] = (byte) (msg[i] ^ mask[i % 4]);
            out.write(frame);
            while (true) {
                String text = readTextFrame(in);
                if (!text.contains("\"hello\"")) return text;
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') if (c != '\r') sb.append((char) c);
        return sb.toString();
    }

    private static String readTextFrame(DataInputStream in) throws IOException {
        in.readUnsignedByte();
        int len = in.readUnsignedByte() & 0x7f;
        if (len == 126) len = in.readUnsignedShort();
        else if (len == 127) len = (int) in.readLong();
        byte[] payload = new byte[len];
        in.readFully(payload);
        return new String(payload, StandardCharsets.UTF_8);
    }
}
