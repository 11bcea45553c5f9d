package org.tinyphone.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client against a scripted server on a real socket (the end-to-end test against the real server is in the
 * server module): requests and answers, events to the listener, a lost connection, reconnect and resubscribe.
 */
class TinyphoneClientTest {
    private ServerSocket server;
    private final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
    private final List<TinyphoneEvent> events = new CopyOnWriteArrayList<>();
    private final List<ConnectionState> states = new CopyOnWriteArrayList<>();
    private TinyphoneClient client;

    @BeforeEach
    void listen() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    accepted.add(server.accept());
                }
            } catch (Exception closed) {
                // test over
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private TinyphoneClient connect() throws Exception {
        client = TinyphoneClient.builder().host("127.0.0.1").port(server.getLocalPort())
                .reconnect(true, Duration.ofMillis(300))
                .listener(new TinyphoneListener() {
                    @Override
                    public void onEvent(TinyphoneEvent event) {
                        events.add(event);
                    }

                    @Override
                    public void onConnection(ConnectionState state, String reason) {
                        states.add(state);
                    }
                }).connect();
        return client;
    }

    private static BufferedReader reader(Socket s) throws Exception {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void send(Socket s, String line) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test
    void subscribeGetsTheSnapshotThenEventsReachTheListenerInOrder() throws Exception {
        connect();
        CompletableFuture<TinyphoneEvent.Snapshot> subscribed = client.subscribe("13605162099");
        Socket s = accepted.poll(10, TimeUnit.SECONDS);
        BufferedReader in = reader(s);
        assertThat(in.readLine()).isEqualTo("{\"type\":\"subscribe\",\"id\":\"r1\",\"number\":\"13605162099\"}");
        send(s, "{\"v\":1,\"type\":\"hello\",\"server\":\"tinyphone\",\"protocol\":1}");
        send(s, "{\"v\":1,\"type\":\"subscribed\",\"id\":\"r1\",\"number\":\"13605162099\",\"calls\":[]}");
        assertThat(subscribed.get(10, TimeUnit.SECONDS).calls()).isEmpty();
        send(s, "{\"v\":1,\"type\":\"new_caller\",\"call\":\"c1\",\"number\":\"13605162099\",\"caller_id\":\"1555\"}");
        send(s, "{\"v\":1,\"type\":\"keypress\",\"call\":\"c1\",\"number\":\"13605162099\",\"value\":\"7\"}");
        send(s, "{\"v\":1,\"type\":\"hangup\",\"call\":\"c1\",\"number\":\"13605162099\",\"cause\":\"caller\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 4);
        assertThat(events).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("Snapshot", "NewCaller", "Keypress", "Hangup");
    }

    @Test
    void aCommandIsAnsweredByItsIdAndAnErrorFailsTheFuture() throws Exception {
        connect();
        CompletableFuture<CommandResult> play = client.play("c1", "hello-world", "#");
        Socket s = accepted.poll(10, TimeUnit.SECONDS);
        BufferedReader in = reader(s);
        assertThat(in.readLine()).isEqualTo("{\"type\":\"command\",\"id\":\"r1\",\"call\":\"c1\",\"command\":\"play\","
                + "\"file\":\"hello-world\",\"escape_digits\":\"#\"}");
        CompletableFuture<TinyphoneEvent.Snapshot> refused = client.subscribe("999", "wrong");
        assertThat(in.readLine()).contains("\"id\":\"r2\"");
        send(s, "{\"v\":1,\"type\":\"error\",\"id\":\"r2\",\"code\":\"forbidden\",\"message\":\"bad token for 999\"}");
        send(s, "{\"v\":1,\"type\":\"result\",\"id\":\"r1\",\"call\":\"c1\",\"ok\":true,\"value\":\"#\"}");
        assertThat(play.get(10, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok("#"));
        assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TinyphoneException.class).hasMessageContaining("bad token for 999");
    }

    @Test
    void streamAndStopStreamAreTheProtocolsCommandsWithTheirUrl() throws Exception {
        connect();
        CompletableFuture<CommandResult> stream = client.stream("c1", "wss://bot.example.org/media?t=1");
        Socket s = accepted.poll(10, TimeUnit.SECONDS);
        BufferedReader in = reader(s);
        assertThat(in.readLine()).isEqualTo("{\"type\":\"command\",\"id\":\"r1\",\"call\":\"c1\",\"command\":\"stream\","
                + "\"url\":\"wss://bot.example.org/media?t=1\"}");
        send(s, "{\"v\":1,\"type\":\"result\",\"id\":\"r1\",\"call\":\"c1\",\"ok\":true,\"value\":\"wss://bot.example.org/media\"}");
        assertThat(stream.get(10, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok("wss://bot.example.org/media"));
        CompletableFuture<CommandResult> stop = client.stopStream("c1");
        assertThat(in.readLine()).isEqualTo("{\"type\":\"command\",\"id\":\"r2\",\"call\":\"c1\",\"command\":\"stop_stream\"}");
        send(s, "{\"v\":1,\"type\":\"result\",\"id\":\"r2\",\"call\":\"c1\",\"ok\":true,\"value\":\"\"}");
        assertThat(stop.get(10, TimeUnit.SECONDS).ok()).isTrue();
    }

    @Test
    void aLostConnectionFailsCommandsInFlightThenReconnectsAndSubscribesAgain() throws Exception {
        connect();
        client.subscribe("13605162099");
        Socket first = accepted.poll(10, TimeUnit.SECONDS);
        BufferedReader in = reader(first);
        in.readLine();
        CompletableFuture<CommandResult> hangup = client.hangup("c1");
        in.readLine();
        first.close();

        assertThatThrownBy(() -> hangup.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TinyphoneException.class)
                .hasMessageContaining("connection lost");
        Socket second = accepted.poll(10, TimeUnit.SECONDS);
        assertThat(second).as("the client reconnected").isNotNull();
        assertThat(reader(second).readLine()).contains("\"type\":\"subscribe\"").contains("\"number\":\"13605162099\"");
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(states).containsSubsequence(ConnectionState.CONNECTED, ConnectionState.LOST,
                ConnectionState.RECONNECTING, ConnectionState.CONNECTED);
    }

    @Test
    void aLineOverOneMebibyteDropsTheConnectionAndTheClientComesBack() throws Exception {
        connect();
        client.subscribe("13605162099");
        Socket first = accepted.poll(10, TimeUnit.SECONDS);
        reader(first).readLine();
        try {
            first.getOutputStream().write(new byte[(1 << 20) + 10]);
        } catch (java.io.IOException closedMeanwhile) {
            // the client may hang up while we are still writing
        }
        Socket second = accepted.poll(10, TimeUnit.SECONDS);
        assertThat(second).as("the client reconnected after the oversized line").isNotNull();
        assertThat(states).contains(ConnectionState.LOST);
        first.close();
    }

    @Test
    void connectingToNothingSaysWhere() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> TinyphoneClient.builder().port(port).connect())
                .hasMessageContaining("cannot connect to the Tinyphone server at 127.0.0.1:" + port);
    }
    @Test
    void aListenGetsTheCallsFramesInOrderThenItsEndAndAnotherListenToTheSameCallIsRefusedMeanwhile() throws Exception {
        connect();
        List<AudioFrame> frames = new CopyOnWriteArrayList<>();
        List<String> ends = new CopyOnWriteArrayList<>();
        AudioListener listener = new AudioListener() {
            @Override
            public void onFrame(AudioFrame frame) {
                frames.add(frame);
            }

            @Override
            public void onEnd(String callId, String reason, long count, long lost) {
                ends.add(callId + " " + reason + " " + count + " " + lost);
            }
        };
        CompletableFuture<CommandResult> listen = client.listen("c1", AudioFormat.SLIN, listener);
        Socket s = accepted.poll(10, TimeUnit.SECONDS);
        BufferedReader in = reader(s);
        assertThat(in.readLine()).isEqualTo("{\"type\":\"command\",\"id\":\"r1\",\"call\":\"c1\",\"command\":\"listen\","
                + "\"format\":\"slin\"}");
        assertThatThrownBy(() -> client.listen("c1", AudioFormat.ULAW, f -> { }).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("already listening to call c1");
        // a frame may come before the listen's result
        send(s, "{\"v\":1,\"type\":\"audio\",\"call\":\"c1\",\"number\":\"1360\",\"format\":\"slin\",\"seq\":1,"
                + "\"lost\":0,\"ts\":1763900001000,\"payload\":\"AQACAA==\"}");
        send(s, "{\"v\":1,\"type\":\"result\",\"id\":\"r1\",\"call\":\"c1\",\"ok\":true,\"value\":\"slin\"}");
        assertThat(listen.get(10, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok("slin"));
        send(s, "{\"v\":1,\"type\":\"audio\",\"call\":\"c1\",\"number\":\"1360\",\"format\":\"slin\",\"seq\":4,"
                + "\"lost\":2,\"ts\":1763900001060,\"payload\":\"AwAEAA==\"}");
        send(s, "{\"v\":1,\"type\":\"audio_end\",\"call\":\"c1\",\"number\":\"1360\",\"reason\":\"hangup\",\"frames\":4,"
                + "\"lost\":2,\"ts\":1763900001070}");
        send(s, "{\"v\":1,\"type\":\"hangup\",\"call\":\"c1\",\"number\":\"1360\",\"cause\":\"caller\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        assertThat(ends).containsExactly("c1 hangup 4 2");
        assertThat(frames).extracting(AudioFrame::seq).containsExactly(1L, 4L);
        assertThat(frames).extracting(AudioFrame::lost).containsExactly(0L, 2L);
        assertThat(frames.get(0).audio()).containsExactly(1, 0, 2, 0);
        assertThat(frames.get(1).audio()).containsExactly(3, 0, 4, 0);
        assertThat(frames.get(1).format()).isEqualTo(AudioFormat.SLIN);
        assertThat(frames.get(1).time()).isEqualTo(java.time.Instant.ofEpochMilli(1763900001060L));
        assertThat(frames.get(1).number()).isEqualTo("1360");
    }

    @Test
    void aRefusedListenLeavesNoListenerAndALostConnectionEndsTheListens() throws Exception {
        connect();
        List<String> ends = new CopyOnWriteArrayList<>();
        CompletableFuture<CommandResult> refused = client.listen("c1", AudioFormat.ULAW, f -> { });
        Socket s = accepted.poll(10, TimeUnit.SECONDS);
        BufferedReader in = reader(s);
        in.readLine();
        send(s, "{\"v\":1,\"type\":\"error\",\"id\":\"r1\",\"code\":\"forbidden\",\"message\":\"commands need a token\"}");
        assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).hasMessageContaining("forbidden: commands need a token");
        CompletableFuture<CommandResult> again = client.listen("c1", AudioFormat.ULAW, new AudioListener() {
            @Override
            public void onFrame(AudioFrame frame) { }

            @Override
            public void onEnd(String callId, String reason, long frames, long lost) {
                ends.add(callId + ": " + reason);
            }
        });
        assertThat(in.readLine()).contains("\"id\":\"r2\"").contains("\"command\":\"listen\"");
        send(s, "{\"v\":1,\"type\":\"result\",\"id\":\"r2\",\"call\":\"c1\",\"ok\":true,\"value\":\"ulaw\"}");
        assertThat(again.get(10, TimeUnit.SECONDS).ok()).isTrue();
        s.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> ends.size() == 1);
        assertThat(ends.get(0)).startsWith("c1: connection lost: ");
    }

    @Test
    void sendAudioGoesInPiecesEachAfterThePreviousOnesResultAndClearIsItsOwnCommand() throws Exception {
        connect();
        byte[] audio = new byte[20_000]; // slin: 1.25 s, three pieces
        for (int i = 0; i < audio.length; i++) audio[i] = (byte) i;
        CompletableFuture<CommandResult> sent = client.sendAudio("c1", AudioFormat.SLIN, audio);
        Socket s = accepted.poll(10, TimeUnit.SECONDS);
        BufferedReader in = reader(s);
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        for (int piece = 1; piece <= 3; piece++) {
            com.fasterxml.jackson.databind.JsonNode m = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in.readLine());
            assertThat(m.path("command").asText()).isEqualTo("send_audio");
            assertThat(m.path("format").asText()).isEqualTo("slin");
            got.writeBytes(java.util.Base64.getDecoder().decode(m.path("payload").asText()));
            assertThat(in.ready()).as("the next piece waits for this one's result").isFalse();
            send(s, "{\"v\":1,\"type\":\"result\",\"id\":\"" + m.path("id").asText() + "\",\"call\":\"c1\",\"ok\":true,"
                    + "\"value\":\"" + piece * 400 + "\"}");
        }
        assertThat(got.toByteArray()).isEqualTo(audio);
        assertThat(sent.get(10, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok("1200"));
        assertThatThrownBy(() -> client.sendAudio("c1", AudioFormat.SLIN16, new byte[3]))
                .hasMessageContaining("slin16 audio must be whole samples: 3 bytes");
        CompletableFuture<CommandResult> clear = client.clearAudio("c1");
        assertThat(in.readLine()).isEqualTo("{\"type\":\"command\",\"id\":\"r4\",\"call\":\"c1\",\"command\":\"clear_audio\"}");
        send(s, "{\"v\":1,\"type\":\"result\",\"id\":\"r4\",\"call\":\"c1\",\"ok\":true,\"value\":\"800\"}");
        assertThat(clear.get(10, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok("800"));
    }
}
