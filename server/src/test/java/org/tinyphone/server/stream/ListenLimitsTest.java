package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tinyphone.server.stream.ListenEndToEndTest.command;
import static org.tinyphone.server.stream.ListenEndToEndTest.next;
import static org.tinyphone.server.stream.ListenEndToEndTest.reply;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

/**
 * How many may listen: at most {@value Listeners#MAX_PER_CALL} clients to one call, and one client to at most 32 calls
 * (clients.AudioListens), each refusal a command's result saying which limit. Real TCP clients; the calls are opened on
 * the bridge with audio attached as an ingress does (the ways in are the other tests' business).
 */
class ListenLimitsTest {

    private static Call callWithAudio(TinyphoneServer server, String id) {
        Call call = server.bridge().open(new CallInfo(id, "15550001111", "", "13605162099", List.of(), "", "audiosocket",
                Instant.now()), null);
        server.streams().attach(call, (rate, pcm) -> { });
        return call;
    }

    @Test
    void aCallTakesSixteenListenersAndAnotherOnceOneHasLeft() throws Exception {
        List<TcpTestClient> clients = new ArrayList<>();
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of())) {
            Call call = callWithAudio(server, "1763900000.1");
            for (int i = 0; i < Listeners.MAX_PER_CALL + 1; i++) clients.add(ListenEndToEndTest.watching(server, "13605162099", -1));
            for (int i = 0; i < Listeners.MAX_PER_CALL; i++) {
                clients.get(i).send(command("l", call.id(), "\"command\":\"listen\"") + "\n");
                assertThat(next(clients.get(i), reply("l")).path("ok").asBoolean()).isTrue();
            }
            TcpTestClient last = clients.get(Listeners.MAX_PER_CALL);
            last.send(command("l", call.id(), "\"command\":\"listen\"") + "\n");
            JsonNode full = next(last, reply("l"));
            assertThat(full.path("ok").asBoolean()).isFalse();
            assertThat(full.path("error").asText()).isEqualTo("listen: call 1763900000.1 has 16 listeners already, the most "
                    + "one call may have");
            clients.get(0).close(); // a client that leaves frees its place
            org.awaitility.Awaitility.await().until(() -> MediaStreamMetersTest.value(MediaStreamMetersTest.metrics(server),
                    "tinyphone_stream_listeners") == Listeners.MAX_PER_CALL - 1);
            last.send(command("l2", call.id(), "\"command\":\"listen\"") + "\n");
            assertThat(next(last, reply("l2")).path("ok").asBoolean()).isTrue();
            call.hangup("caller");
        } finally {
            for (TcpTestClient c : clients) c.close();
        }
    }

    @Test
    void aClientListensToThirtyTwoCallsAtMost() throws Exception {
        try (TinyphoneServer server = MediaStreamMetersTest.server(Map.of());
             TcpTestClient client = ListenEndToEndTest.watching(server, "13605162099", -1)) {
            List<Call> calls = new ArrayList<>();
            for (int i = 0; i <= 32; i++) calls.add(callWithAudio(server, "1763900000." + i));
            for (int i = 0; i < 32; i++) {
                client.send(command("l" + i, calls.get(i).id(), "\"command\":\"listen\",\"format\":\"slin\"") + "\n");
                assertThat(next(client, reply("l" + i)).path("ok").asBoolean()).isTrue();
            }
            client.send(command("l32", calls.get(32).id(), "\"command\":\"listen\"") + "\n");
            JsonNode refused = next(client, reply("l32"));
            assertThat(refused.path("ok").asBoolean()).isFalse();
            assertThat(refused.path("error").asText()).isEqualTo("listen: this client listens to 32 calls already, the most "
                    + "one client may");
            calls.get(0).hangup("caller"); // its listen ends with it
            assertThat(next(client, n -> n.path("type").asText().equals("audio_end")).path("call").asText())
                    .isEqualTo("1763900000.0");
            client.send(command("l33", calls.get(32).id(), "\"command\":\"listen\"") + "\n");
            assertThat(next(client, reply("l33")).path("ok").asBoolean()).isTrue();
            for (Call c : calls) c.hangup("caller");
        }
    }
}
