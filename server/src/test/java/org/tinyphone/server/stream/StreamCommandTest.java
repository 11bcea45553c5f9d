package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.sim.audio.AudioSocketCaller;

/**
 * A subscriber starts and stops a call's media stream with the native dialect's {@code stream} and {@code stop_stream}
 * commands, over real sockets: a TCP client, a simulated AudioSocket caller, a Twilio Media Streams app.
 */
class StreamCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The next line of the client that matches (events and results interleave). */
    private static JsonNode next(TcpTestClient client, Predicate<JsonNode> wanted) throws IOException {
        while (true) {
            JsonNode n = client.json();
            if (wanted.test(n)) return n;
        }
    }

    private static JsonNode result(TcpTestClient client, String id) throws IOException {
        return next(client, n -> n.path("type").asText().equals("result") && n.path("id").asText().equals(id));
    }

    /**
     * The result of a command sent right after the call's new_caller: the server announces an AudioSocket call just
     * before its audio joins, and the command waits for it there (sent once; the client need not send it again).
     */
    private static JsonNode resultWithAudio(TcpTestClient client, String id, String call, String rest) throws IOException {
        client.send(command(id, call, rest));
        return next(client, n -> n.path("id").asText().equals(id));
    }

    private static String command(String id, String call, String rest) {
        return "{\"type\":\"command\",\"id\":\"" + id + "\",\"call\":\"" + call + "\"," + rest + "}\n";
    }

    @Test
    void aSubscriberStreamsAWatchedCallToAnAllowedAppStopsItAndStreamsItAgain() throws Exception {
        try (TwilioTestApp app = new TwilioTestApp();
             TinyphoneServer server = MediaStreamMetersTest.server(Map.of("stream.allow", "127.0.0.1"));
             TcpTestClient client = TcpTestClient.connect(server.port("clients"))) {
            client.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":\"s\"}\n");
            next(client, n -> n.path("type").asText().equals("subscribed"));
            UUID uuid = UUID.randomUUID();
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), uuid)) {
                String call = next(client, n -> n.path("type").asText().equals("new_caller")).path("call").asText();
                assertThat(call).isEqualTo(uuid.toString());
                caller.sendAudio(new byte[320 * 5], AudioSocketCaller.Pacing.FAST); // the call has audio, no stream yet
                assertThat(server.streams().opened()).isZero();

                String url = "ws://127.0.0.1:" + app.port() + "/media?token=s3cret";
                JsonNode r1 = resultWithAudio(client, "c1", call, "\"command\":\"stream\",\"url\":\"" + url + "\"");
                assertThat(r1.path("ok").asBoolean()).as(r1.toString()).isTrue();
                assertThat(r1.path("value").asText()).isEqualTo("ws://127.0.0.1:" + app.port() + "/media"); // no token
                await().atMost(WAIT).until(() -> app.connections.size() == 1 && app.last().messages.size() >= 2);
                TwilioTestApp.Conn first = app.last();
                assertThat(first.messages.get(1).path("start").path("callSid").asText()).isEqualTo(call);
                JsonNode connected = next(client, n -> n.path("type").asText().equals("stream"));
                assertThat(connected.path("status").asText()).isEqualTo("connected");
                caller.sendAudio(new byte[320 * 10], AudioSocketCaller.Pacing.FAST);
                await().atMost(WAIT).until(() -> first.events("media").size() == 10);

                // one stream at a time
                client.send(command("c2", call, "\"command\":\"stream\",\"url\":\"" + url + "\""));
                JsonNode r2 = result(client, "c2");
                assertThat(r2.path("ok").asBoolean()).isFalse();
                assertThat(r2.path("error").asText()).contains("already").contains("stop_stream");

                client.send(command("c3", call, "\"command\":\"stop_stream\""));
                assertThat(result(client, "c3").path("ok").asBoolean()).isTrue();
                await().atMost(WAIT).until(() -> first.events("stop").size() == 1 && first.closeCode == 1000);
                JsonNode stopped = next(client, n -> n.path("type").asText().equals("stream"));
                assertThat(stopped.path("status").asText()).isEqualTo("stopped");
                // the call goes on, its audio streams nowhere
                caller.sendAudio(new byte[320 * 10], AudioSocketCaller.Pacing.FAST);
                assertThat(server.bridge().find(call)).isPresent();
                client.send(command("c4", call, "\"command\":\"stop_stream\""));
                JsonNode r4 = result(client, "c4");
                assertThat(r4.path("ok").asBoolean()).isFalse();
                assertThat(r4.path("error").asText()).isEqualTo("stop_stream: call " + call + " has no media stream");
                assertThat(first.events("media")).hasSize(10);

                // a host stream.allow does not list, and what is no WebSocket URL
                client.send(command("c5", call, "\"command\":\"stream\",\"url\":\"wss://10.1.2.3/media\""));
                JsonNode r5 = result(client, "c5");
                assertThat(r5.path("ok").asBoolean()).isFalse();
                assertThat(r5.path("error").asText()).contains("does not stream to 10.1.2.3").contains("stream.allow");
                client.send(command("c6", call, "\"command\":\"stream\",\"url\":\"http://127.0.0.1/media\""));
                assertThat(result(client, "c6").path("error").asText()).contains("ws:// or wss://");
                client.send(command("c7", call, "\"command\":\"stream\""));
                JsonNode missing = next(client, n -> n.path("id").asText().equals("c7"));
                assertThat(missing.path("type").asText()).isEqualTo("error");
                assertThat(missing.path("message").asText()).contains("url");

                // again: a new stream, a new streamSid, stop at the hangup
                client.send(command("c8", call, "\"command\":\"stream\",\"url\":\"" + url + "\""));
                assertThat(result(client, "c8").path("ok").asBoolean()).isTrue();
                await().atMost(WAIT).until(() -> app.connections.size() == 2 && app.last().messages.size() >= 2);
                TwilioTestApp.Conn second = app.last();
                assertThat(second.messages.get(1).path("streamSid").asText())
                        .isNotEqualTo(first.messages.get(1).path("streamSid").asText());
                caller.sendAudio(new byte[320 * 3], AudioSocketCaller.Pacing.FAST);
                await().atMost(WAIT).until(() -> second.events("media").size() == 3);
                caller.hangUp();
                await().atMost(WAIT).until(() -> second.events("stop").size() == 1);
            }
            await().atMost(WAIT).until(() -> server.streams().active() == 0);
            assertThat(server.streams().opened()).isEqualTo(2);
        }
    }

    @Test
    void aSubscriberThatMayOnlyWatchCannotStreamTheCall() throws Exception {
        try (TwilioTestApp app = new TwilioTestApp();
             TinyphoneServer server = MediaStreamMetersTest.server(Map.of("stream.allow", "*", "access.local", "watch"));
             TcpTestClient client = TcpTestClient.connect(server.port("clients"))) {
            client.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":\"s\"}\n");
            JsonNode reply = next(client, n -> n.path("id").asText().equals("s"));
            // "*" needs the admin token; watching the number the AudioSocket call dials is allowed
            assertThat(reply.path("type").asText()).isEqualTo("error");
            client.send("{\"type\":\"subscribe\",\"number\":\"unknown\",\"id\":\"s2\"}\n");
            next(client, n -> n.path("type").asText().equals("subscribed"));
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                String call = next(client, n -> n.path("type").asText().equals("new_caller")).path("call").asText();
                caller.sendAudio(new byte[320], AudioSocketCaller.Pacing.FAST);
                JsonNode r = resultWithAudio(client, "c1", call, "\"command\":\"stream\",\"url\":\"" + app.uri() + "\"");
                assertThat(r.path("type").asText()).isEqualTo("error");
                assertThat(r.path("code").asText()).isEqualTo("forbidden");
                caller.hangUp();
            }
            assertThat(app.connections).isEmpty();
            assertThat(server.streams().opened()).isZero();
        }
    }

    @Test
    void aCallWithoutAudioAndAServerThatAllowsNoHostSayWhyNot() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of());
             TcpTestClient client = TcpTestClient.connect(server.port("clients"))) {
            client.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":\"s\"}\n");
            next(client, n -> n.path("type").asText().equals("subscribed"));
            // a call as FastAGI opens one: no audio
            Call agi = server.bridge().open(new CallInfo("1763900000.42", "15550001111", "", "13605162099", null, "", "fastagi",
                    null), null);
            client.send(command("c1", agi.id(), "\"command\":\"stream\",\"url\":\"ws://127.0.0.1:9/media\""));
            JsonNode r1 = result(client, "c1");
            assertThat(r1.path("ok").asBoolean()).isFalse();
            assertThat(r1.path("error").asText()).contains("has no audio").contains("fastagi");

            // an AudioSocket call has audio, but stream.allow is empty and no stream.<number> app is configured
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), UUID.randomUUID())) {
                String call = next(client, n -> n.path("type").asText().equals("new_caller")
                        && n.path("via").asText().equals("audiosocket")).path("call").asText();
                caller.sendAudio(new byte[320], AudioSocketCaller.Pacing.FAST);
                JsonNode r2 = resultWithAudio(client, "c2", call, "\"command\":\"stream\",\"url\":\"ws://127.0.0.1:9/media\"");
                assertThat(r2.path("ok").asBoolean()).isFalse();
                assertThat(r2.path("error").asText()).contains("does not stream to 127.0.0.1").contains("stream.allow");
                caller.hangUp();
            }
            agi.hangup("caller");
        }
    }
}
