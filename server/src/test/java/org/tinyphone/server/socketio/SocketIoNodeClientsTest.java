package org.tinyphone.server.socketio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

/**
 * The socket.io client packages pages and apps in the wild carry, 2.x (Engine.IO 3) and 4.x (Engine.IO 4), fetched
 * from npm by this test into target/, in Node, over polling, over WebSocket, and starting with polling and upgrading:
 * each connects, emits setup as the original web client does, and gets a call's events and a text message exactly as
 * the original hub sent them. Needs node and npm (.ci/run installs them); skipped without.
 */
class SocketIoNodeClientsTest {
    static final String NUMBER = "13605162099";
    static final List<String> VERSIONS = List.of("2.5.0", "4.8.4");
    static final Path CLIENTS = Path.of("target", "socketio-clients");
    static final ObjectMapper JSON = new ObjectMapper();

    static Optional<String> tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) return Optional.of(f.getAbsolutePath());
        }
        return Optional.empty();
    }

    /** npm install socket.io-client@VERSION into target/socketio-clients/VERSION, once. */
    static Path install(String npm, String version) throws Exception {
        Path dir = CLIENTS.resolve(version).toAbsolutePath();
        if (Files.exists(dir.resolve("node_modules/socket.io-client/package.json"))) return dir;
        Files.createDirectories(dir);
        Process p = new ProcessBuilder(npm, "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error",
                "--prefix", dir.toString(), "socket.io-client@" + version)
                .redirectErrorStream(true).redirectOutput(dir.resolve("npm.log").toFile()).start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("npm install socket.io-client@%s", version).isTrue();
        assertThat(p.exitValue()).as("npm install socket.io-client@%s: %s", version, Files.readString(dir.resolve("npm.log")))
                .isZero();
        return dir;
    }

    /** One Node client and the events it printed. */
    record Client(String label, Process process, List<JsonNode> lines) {
        List<String> names() {
            List<String> out = new ArrayList<>();
            for (JsonNode l : lines) if (!l.get(0).asText().equals("audio_level")) out.add(l.get(0).asText());
            return out;
        }

        JsonNode first(String name) {
            for (JsonNode l : lines) if (l.get(0).asText().equals(name)) return l.get(1);
            throw new AssertionError(label + " got no " + name + ": " + lines);
        }
    }

    static Client start(String node, Path modules, String url, String transports, String label) throws IOException {
        Path script = Path.of("src", "test", "resources", "socketio", "client.js").toAbsolutePath();
        Process p = new ProcessBuilder(node, script.toString(), modules.toString(), url, NUMBER, "page-" + label, transports)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<JsonNode> lines = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) lines.add(JSON.readTree(line));
            } catch (IOException ignored) {
                // the process ended
            }
        });
        return new Client(label, p, lines);
    }

    @Test
    void socketIo2And4ClientsOverPollingWebSocketAndUpgradeGetTheHubsEvents() throws Exception {
        Optional<String> node = tool("node");
        Optional<String> npm = tool("npm");
        Assumptions.assumeTrue(node.isPresent() && npm.isPresent(),
                "node and npm are not installed (.ci/run installs them): socket.io client test skipped");
        List<Path> modules = new ArrayList<>();
        for (String v : VERSIONS) modules.add(install(npm.get(), v));
        try (ServerFixture fx = ServerFixture.start()) {
            String url = "http://127.0.0.1:" + fx.httpPort();
            List<Client> clients = new ArrayList<>();
            try {
                for (int i = 0; i < VERSIONS.size(); i++) {
                    for (String t : List.of("polling", "websocket", "polling,websocket")) {
                        clients.add(start(node.get(), modules.get(i), url, t, VERSIONS.get(i) + "/" + t));
                    }
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> fx.bridge().subscriberCount(NUMBER) == clients.size());
                // the ones that start with polling have upgraded before the call comes
                await().atMost(Duration.ofSeconds(30)).until(() -> clients.stream().filter(c -> c.label().endsWith(",websocket"))
                        .allMatch(c -> c.names().contains("upgrade")));

                Call call = fx.bridge().open(new CallInfo("1796400000.7", "+15550001111", "Carol", NUMBER,
                        List.of("red", "a b"), "", "fastagi", Instant.now()), null);
                call.audioLevel(1200);
                call.keypress('4');
                call.keypress('#');
                call.hangup("caller");
                fx.bridge().sms(NUMBER, "+15550002222", "hello, page: {ok}");
                await().atMost(Duration.ofSeconds(30)).until(() -> clients.stream().allMatch(c -> c.names().contains("sms")));

                for (Client c : clients) {
                    // (the transport's upgrade may finish before or after socket.io's connect: not ordered)
                    List<String> names = new ArrayList<>(c.names());
                    assertThat(names.remove("upgrade")).as(c.label()).isEqualTo(c.label().endsWith(",websocket"));
                    assertThat(names).as(c.label()).containsExactly("connect", "new_call", "keypress", "keypress", "hangup", "sms");
                    if (c.label().endsWith(",websocket")) {   // the upgrade may already be done when connect is seen
                        assertThat(c.first("connect").asText()).as(c.label()).isIn("polling", "websocket");
                    } else {
                        assertThat(c.first("connect").asText()).as(c.label()).isEqualTo(c.label().endsWith("/websocket") ? "websocket" : "polling");
                    }
                    assertThat(c.first("new_call").toString()).as(c.label())
                            .isEqualTo("{\"id\":\"1796400000.7\",\"event\":\"new_call\",\"value\":\"15550001111|red|a%20b\"}");
                    assertThat(c.first("keypress").toString()).isEqualTo("{\"id\":\"1796400000.7\",\"event\":\"keypress\",\"value\":\"4\"}");
                    assertThat(c.first("hangup").toString()).isEqualTo("{\"id\":\"1796400000.7\",\"event\":\"hangup\",\"value\":\"0\"}");
                    assertThat(c.first("sms").path("value").asText()).isEqualTo("15550002222|hello%2C%20page%3A%20%7Bok%7D");
                }
                assertThat(fx.server.clients().count("socketio")).isEqualTo(clients.size());
            } finally {
                for (Client c : clients) {
                    c.process().getOutputStream().close(); // the script ends when its stdin closes
                    if (!c.process().waitFor(10, TimeUnit.SECONDS)) c.process().destroyForcibly();
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> fx.bridge().subscriberCount(NUMBER) == 0);
        }
    }
}
