package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.Subscriber;
import org.tinyphone.server.config.AddressAllowList;
import org.tinyphone.server.ingress.RelayIngress;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/** An EAGI relay call (bin/tinyphone-agi's tunnel, simulated): its audio streams, nothing can go back, nothing breaks. */
class MediaStreamRelayTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void anEagiCallStreamsItsAudioAndSaysOnceThatAudioBackIsImpossible() throws Exception {
        Bridge bridge = new Bridge();
        List<CallEvent> events = new CopyOnWriteArrayList<>();
        bridge.subscribe(Bridge.ALL_NUMBERS, (Subscriber) events::add);
        try (TwilioTestApp app = new TwilioTestApp();
             RelayIngress relay = RelayIngress.start(bridge, null, "127.0.0.1", 0, AddressAllowList.parse("127.0.0.1"),
                     100, Duration.ofSeconds(5), MediaStreams.of(Map.of("13605162099", app.uri()),
                             MediaStreams.Settings.defaults(), Player.Ticker.SYSTEM))) {
            SimulatedCall call = SimulatedCall.of("13605162099", "15550001111", "Carol", "12#")
                    .withArgs(List.of("screen", "lobby")).withAudio(AudioSource.tone())
                    // the keys come after the stream is up (it opens with the first audio; what comes before is not streamed)
                    .withTiming(Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofSeconds(1));
            // on a thread of its own, not the common pool: on 2 cores that pool has one thread, which the JDK's WebSocket
            // client needs for its handshake (blocking it held the stream's connection back until the call was over)
            CompletableFuture<CallResult> placed = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    placed.complete(Simulator.place(call, Via.RELAY, "127.0.0.1", relay.port()));
                } catch (Exception e) {
                    placed.completeExceptionally(e);
                }
            });
            await().atMost(WAIT).until(() -> !app.connections.isEmpty() && app.last().events("media").size() >= 5);
            TwilioTestApp.Conn conn = app.last();
            JsonNode start = conn.messages.get(1).get("start");
            assertThat(start.get("customParameters").toString()).isEqualTo("{\"callerId\":\"15550001111\",\"callerName\":\"Carol\","
                    + "\"number\":\"13605162099\",\"via\":\"relay\",\"channel\":\"SIP/sim-00000001\",\"arg1\":\"screen\",\"arg2\":\"lobby\"}"
                    .replace("SIP/sim-00000001", start.get("customParameters").get("channel").asText()));
            String media = "{\"event\":\"media\",\"media\":{\"payload\":\"" + Base64.getEncoder().encodeToString(new byte[800]) + "\"}}";
            conn.send(media);
            conn.send(media);
            conn.send("{\"event\":\"mark\",\"mark\":{\"name\":\"nothing to play\"}}");
            await().atMost(WAIT).until(() -> conn.events("mark").size() == 1);
            CallResult result = placed.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(result.keys()).isEqualTo("12#");
            await().atMost(WAIT).until(() -> conn.events("stop").size() == 1);
            assertThat(conn.events("dtmf")).extracting(d -> d.get("dtmf").get("digit").asText()).containsExactly("1", "2", "#");
            List<CallEvent.Stream> stream = events.stream().filter(e -> e instanceof CallEvent.Stream).map(e -> (CallEvent.Stream) e).toList();
            assertThat(stream).extracting(CallEvent.Stream::status).containsExactly("connected", "error"); // said once, not twice
            assertThat(stream.get(1).detail()).startsWith("audio back is not possible on this call: it came in over the EAGI relay");
            assertThat(events.get(events.size() - 1)).isInstanceOf(CallEvent.Hangup.class);
        } finally {
            bridge.close();
        }
    }
}
