package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.client.CommandResult;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.server.LogCapture;
import org.tinyphone.server.TcpTestClient;
import org.tinyphone.server.WsTestClient;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.ari.AriRequest;
import org.tinyphone.sim.ari.RestFault;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;
import org.tinyphone.sim.audio.Pcm;

/**
 * Calls that enter {@code Stasis(tinyphone,args)} on a simulated ARI Asterisk (real HTTP and WebSocket sockets), through
 * the whole server connected to it with {@code ari.enabled}: they reach a WebSocket client and an original-dialect TCP
 * client like any other way in, keys come from DTMF events, the caller's audio from the externalMedia AudioSocket
 * channel the server asks for, talk-back commands run as REST requests (and the ones the talk-back policy refuses never
 * reach Asterisk), and every call gets exactly one hangup: when the caller hangs up during a playback, when a play's
 * request goes unanswered (the call goes on), and when Asterisk goes away and comes back.
 */
@Timeout(120)
class AriEndToEndTest {
    private static final String USER = "tinyphone";
    private static final String PASSWORD = "s3cret";
    private static SimulatedAriAsterisk asterisk;
    private static RunningServer server;

    @BeforeAll
    static void start() throws Exception {
        asterisk = SimulatedAriAsterisk.builder().user(USER, PASSWORD)
                .playbackMillis(m -> m.contains("tt-monkeys") ? 60_000 : 200).start();
        server = RunningServer.start(Map.of("ari.enabled", "true", "ari.url", asterisk.url(), "ari.user", USER,
                "ari.password", PASSWORD));
        assertThat(Simulator.awaitAriServer(asterisk, Simulator.BRIDGE_APP, Duration.ofSeconds(20))).isTrue();
    }

    @AfterAll
    static void stop() {
        server.close();
        asterisk.close();
    }

    private static SimulatedCall call(String number, String keys) {
        return SimulatedCall.of(number, "15550001111", "Carol", keys)
                .withTiming(Duration.ofMillis(300), Duration.ofMillis(200), Duration.ofMillis(1200));
    }

    @Test
    void aWebSocketClientListensToAStasisCallsAudioOverExternalMediaUntilItsEndBeforeTheHangup() throws Exception {
        String number = "15552000009";
        try (WsTestClient ws = WsTestClient.connect(server.port("http"))) {
            ws.expect("hello");
            ws.send("{\"type\":\"subscribe\",\"number\":\"" + number + "\",\"id\":\"s\"}");
            ws.expect("subscribed");
            java.util.concurrent.CompletableFuture<CallResult> placed = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return Simulator.placeAri(call(number, "").withTiming(Duration.ofMillis(300), Duration.ofMillis(200),
                            Duration.ofSeconds(2)).withAudio(AudioSource.tone()), asterisk, Simulator.BRIDGE_APP);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            JsonNode caller = ws.expect("new_caller");
            String id = caller.path("call").asText();
            // sent at once: the listen waits for the caller's audio to join over externalMedia
            ws.send("{\"type\":\"command\",\"id\":\"l\",\"call\":\"" + id + "\",\"command\":\"listen\",\"format\":\"slin\"}");
            List<String> story = new ArrayList<>();
            int frames = 0;
            for (JsonNode e = ws.next(); !e.path("type").asText().equals("hangup"); e = ws.next()) {
                switch (e.path("type").asText()) {
                    case "audio" -> {
                        assertThat(java.util.Base64.getDecoder().decode(e.path("payload").asText())).hasSize(320);
                        assertThat(e.path("seq").asInt()).isEqualTo(++frames);
                    }
                    case "result" -> story.add("listen " + e.path("ok").asBoolean());
                    case "audio_end" -> story.add("audio_end " + e.path("reason").asText() + " " + e.path("frames").asInt());
                    default -> { }
                }
            }
            assertThat(frames).as("the caller's tone over externalMedia").isGreaterThan(10);
            assertThat(story).containsExactly("listen true", "audio_end hangup " + frames);
            assertThat(placed.get(60, java.util.concurrent.TimeUnit.SECONDS).endedBy()).isEqualTo(CallResult.EndedBy.CALLER);
        }
    }

    @Test
    void aStasisCallReachesAWebSocketClientAndAnOriginalDialectClientWithKeysLevelsAndOneHangup() throws Exception {
        String number = "15552000001";
        try (WsTestClient ws = WsTestClient.connect(server.port("http"));
             TcpTestClient original = TcpTestClient.connect(server.port("clients"))) {
            ws.expect("hello");
            ws.send("{\"type\":\"subscribe\",\"number\":\"" + number + "\",\"id\":\"s\"}");
            ws.expect("subscribed");
            original.send("CONNECT,screen-1," + number + ",NULL\0");
            await().atMost(RunningServer.Watcher.WAIT).until(() -> server.server.bridge().subscriberCount(number) == 2);

            CallResult r = Simulator.placeAri(call(number, "12#").withArgs(List.of("lobby", "screen 2"))
                    .withAudio(AudioSource.tone()), asterisk, Simulator.BRIDGE_APP);
            assertThat(r.endedBy()).isEqualTo(CallResult.EndedBy.CALLER);
            assertThat(r.keys()).isEqualTo("12#");

            List<JsonNode> events = new ArrayList<>();
            for (JsonNode e = ws.next(); ; e = ws.next()) {
                events.add(e);
                if (e.path("type").asText().equals("hangup")) break;
            }
            JsonNode caller = events.get(0);
            assertThat(caller.path("type").asText()).isEqualTo("new_caller");
            assertThat(caller.path("call").asText()).isEqualTo(r.callId());
            assertThat(caller.path("caller_id").asText()).isEqualTo("15550001111");
            assertThat(caller.path("caller_name").asText()).isEqualTo("Carol");
            assertThat(caller.path("number").asText()).isEqualTo(number);
            assertThat(caller.path("via").asText()).isEqualTo("ari");
            assertThat(caller.path("channel").asText()).startsWith("Local/");
            assertThat(caller.path("args").toString()).isEqualTo("[\"lobby\",\"screen 2\"]");
            assertThat(events.stream().filter(e -> e.path("type").asText().equals("keypress")).map(e -> e.path("value").asText()))
                    .containsExactly("1", "2", "#");
            List<Integer> levels = events.stream().filter(e -> e.path("type").asText().equals("audio_level"))
                    .map(e -> e.path("value").asInt()).toList();
            assertThat(levels).as("the caller's audio over externalMedia").hasSizeGreaterThan(5);
            assertThat(levels.stream().distinct().count()).isGreaterThan(3);
            assertThat(events.stream().filter(e -> e.path("type").asText().equals("hangup"))).hasSize(1);
            assertThat(events.getLast().path("cause").asText()).isEqualTo("caller");

            String id = r.callId();
            assertThat(original.read('\0')).as("args escaped as the 2012 hub did").isEqualTo("{\"id\":\"" + id
                    + "\",\"event\":\"new_call\",\"value\":\"15550001111|lobby|screen%202\"}");
            List<String> keys = new ArrayList<>();
            String line;
            while (!(line = original.read('\0')).contains("\"hangup\"")) {
                if (line.contains("\"keypress\"")) keys.add(line);
            }
            assertThat(keys).containsExactly("{\"id\":\"" + id + "\",\"event\":\"keypress\",\"value\":\"1\"}",
                    "{\"id\":\"" + id + "\",\"event\":\"keypress\",\"value\":\"2\"}",
                    "{\"id\":\"" + id + "\",\"event\":\"keypress\",\"value\":\"#\"}");
            assertThat(line).isEqualTo("{\"id\":\"" + id + "\",\"event\":\"hangup\",\"value\":\"0\"}");
        }
    }

    @Test
    void anIdleCallCostsNoRequestsAndItsAudioChannelAndBridgeGoWithIt() throws Exception {
        String number = "15552000002";
        try (RunningServer.Watcher w = server.watch(number)) {
            SimulatedAriCall caller = waitingCaller(number).audio(Pcm.tone(440, Duration.ofSeconds(1), 8000)).place();
            // set up: the dialed number read, the call answered, the caller's audio bridged (levels arrive)
            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.of(TinyphoneEvent.AudioLevel.class).size() > 3);
            List<String> before = List.copyOf(caller.requestsSoFar());
            int all = asterisk.httpRequests().size();
            assertThat(before).hasSize(3).satisfies(q -> {
                assertThat(q.get(0)).isEqualTo("GET channels/" + caller.id() + "/variable?variable=CALLERID(dnid)");
                assertThat(q.get(1)).isEqualTo("POST channels/" + caller.id() + "/answer");
                assertThat(q.get(2)).matches("POST bridges/tinyphone-audio-[0-9a-f-]{36}/addChannel\\?channel=" 
                        + java.util.regex.Pattern.quote(caller.id()) + ",tinyphone-audio-[0-9a-f-]{36}");
            });
            int levels = w.of(TinyphoneEvent.AudioLevel.class).size();
            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.of(TinyphoneEvent.AudioLevel.class).size() > levels + 15);
            assertThat(asterisk.httpRequests()).as("while the call only waits for keys, nothing is asked of Asterisk").hasSize(all);
            caller.press('5');
            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.keys().equals("5"));
            caller.hangup();
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            String uuid = before.get(2).replaceAll(".*tinyphone-audio-([0-9a-f-]{36}).*", "$1");
            await().atMost(Duration.ofSeconds(10)).until(() -> requested("DELETE", "channels/tinyphone-audio-" + uuid)
                    && requested("DELETE", "bridges/tinyphone-audio-" + uuid));
            assertThat(asterisk.channelsInStasis()).isZero();
            assertThat(caller.await(Duration.ofSeconds(10)).audioFrames()).isGreaterThan(20);
        }
    }

    @Test
    void theCallerHangsUpDuringAPlaybackAnAppAskedFor() throws Exception {
        String number = "15552000003";
        try (RunningServer.Watcher w = server.watch(number)) {
            SimulatedAriCall caller = waitingCaller(number).hangupDuring("tt-monkeys").place();
            String id = newCaller(w);
            CommandResult play = w.client.play(id, "tt-monkeys").get(30, TimeUnit.SECONDS);
            assertThat(play.ok()).isFalse();
            assertThat(play.error()).contains("hung up during play");
            SimulatedAriCall.Result r = caller.await(Duration.ofSeconds(30));
            assertThat(r.outcome()).isEqualTo("caller-hungup");
            assertThat(r.played()).containsExactly("sound:tt-monkeys");
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            Thread.sleep(300);   // nothing more may come
            assertThat(w.storyOfCall(id)).containsExactly("new_caller", "hangup");
            assertThat(w.of(TinyphoneEvent.Hangup.class).get(0).cause()).isEqualTo("caller");
            assertThat(r.requests().getLast()).as("nothing sent to the channel after it went")
                    .startsWith("POST channels/" + r.channelId() + "/play");
        }
    }

    @Test
    void keysPressedDuringAPromptAreAllReportedAndThePromptGoesOnWhereItStopped() throws Exception {
        String number = "15552000007";
        try (RunningServer.Watcher w = server.watch(number)) {
            SimulatedAriCall caller = waitingCaller(number).place();
            String id = newCaller(w);
            CompletableFuture<CommandResult> play = w.client.play(id, "tt-monkeys", "#");
            for (char key : "12#".toCharArray()) {
                int plays = plays(caller);
                await().atMost(RunningServer.Watcher.WAIT).until(() -> plays(caller) == plays + 1);   // playing now
                caller.press(key);
            }
            CommandResult r = play.get(30, TimeUnit.SECONDS);
            assertThat(r.ok()).isTrue();
            assertThat(r.value()).as("the escape key").isEqualTo("#");
            assertThat(w.keys()).as("every key, also those the prompt did not stop on").isEqualTo("12#");
            List<String> plays = caller.requestsSoFar().stream().filter(q -> q.contains("/play")).toList();
            assertThat(plays).hasSize(3);
            assertThat(plays.get(0)).doesNotContain("offsetms");
            assertThat(plays.subList(1, 3)).allMatch(q -> q.contains("media=sound:tt-monkeys") && q.matches(".*offsetms=\\d+.*"));
            caller.hangup();
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
        }
    }

    @Test
    void aPlayWhoseConnectionAsteriskDropsFailsThatPlayOnlyAndTheCallGoesOn() throws Exception {
        String number = "15552000011";
        try (LogCapture logs = LogCapture.begin(); RunningServer.Watcher w = server.watch(number)) {
            SimulatedAriCall caller = waitingCaller(number).place();
            String id = newCaller(w);
            // no answer at all, also to the transport's one resend on a new connection
            asterisk.failRequests(playOf(id), 2, RestFault.dropConnection());
            CommandResult failed = w.client.play(id, "hello-world").get(30, TimeUnit.SECONDS);
            assertThat(failed.ok()).isFalse();
            caller.press('7');
            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.keys().equals("7"));
            assertThat(w.client.play(id, "hello-world").get(30, TimeUnit.SECONDS).ok()).as("the call is still up: the next play plays").isTrue();
            caller.hangup();
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            assertThat(w.storyOfCall(id)).containsExactly("new_caller", "keypress 7", "hangup");
            assertThat(w.of(TinyphoneEvent.Hangup.class).get(0).cause()).isEqualTo("caller");
            assertThat(caller.await(Duration.ofSeconds(10)).played()).containsExactly("sound:hello-world");
            assertThat(logs.lines()).filteredOn(l -> l.startsWith("WARN ") && l.contains(id)).singleElement()
                    .satisfies(l -> assertThat(l).startsWith("WARN org.tinyphone.ari.AriAgiChannel - AGI over ARI: call " + id)
                            .endsWith("the app gets '200 result=-1 endpos=0', the call goes on"));
        }
    }

    /** The requests to Asterisk to play on channel {@code id}. */
    private static java.util.function.Predicate<org.tinyphone.sim.ari.AriRequest> playOf(String id) {
        return q -> q.method().equals("POST") && q.path().equals("channels/" + id + "/play");
    }

    /** tinyphone_ari_rest_failures_total of the server's ARI client for one kind, from a scrape. */
    private static double restFailures(String scrape, String kind) {
        return Scrape.value(scrape, "tinyphone_ari_rest_failures_total{connection=\"inbound\",kind=\"" + kind + "\"}");
    }

    @Test
    void restRequestsAsteriskFailsAreCountedInMetricsByTheirKind() throws Exception {
        String number = "15552000012";
        try (RunningServer.Watcher w = server.watch(number)) {
            SimulatedAriCall caller = waitingCaller(number).place();
            String id = newCaller(w);
            String before = Scrape.metrics(server.port("http"));
            for (String kind : List.of("timeout", "connection", "http-status", "bad-answer")) {
                assertThat(restFailures(before, kind)).as("the %s counter is there from the start", kind).isGreaterThanOrEqualTo(0);
            }
            asterisk.failRequests(playOf(id), 1, RestFault.answer(500, "Internal Server Error", "Allocation failed"));
            assertThat(w.client.play(id, "hello-world").get(30, TimeUnit.SECONDS).ok()).isFalse();
            asterisk.failRequests(playOf(id), 2, RestFault.dropConnection());   // no answer, also to the transport's one resend
            assertThat(w.client.play(id, "hello-world").get(30, TimeUnit.SECONDS).ok()).isFalse();
            String after = Scrape.metrics(server.port("http"));   // before the hangup: its clean-up may meet 404s
            caller.hangup();
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);

            assertThat(restFailures(after, "http-status") - restFailures(before, "http-status")).isEqualTo(1);
            assertThat(restFailures(after, "connection") - restFailures(before, "connection")).isEqualTo(1);
            assertThat(restFailures(after, "timeout")).isEqualTo(restFailures(before, "timeout"));
            assertThat(restFailures(after, "bad-answer")).isEqualTo(restFailures(before, "bad-answer"));
        }
    }

    /** A caller to {@code number} who presses nothing and hangs up only when the test says so. */
    private static SimulatedAriCall waitingCaller(String number) {
        return asterisk.call(Simulator.BRIDGE_APP).dnid(number).giveUpAfter(Duration.ofMinutes(1));
    }

    /** The id of the (first) call the watcher was told about, once it was. */
    private static String newCaller(RunningServer.Watcher w) {
        await().atMost(RunningServer.Watcher.WAIT).until(() -> !w.of(TinyphoneEvent.NewCaller.class).isEmpty());
        return w.of(TinyphoneEvent.NewCaller.class).get(0).callId();
    }

    private static int plays(SimulatedAriCall caller) {
        return (int) caller.requestsSoFar().stream().filter(q -> q.contains("/play")).count();
    }

    @Test
    void aDialedNumberAsteriskFailsToGiveGoesToTheCallsExtensionWithAWarning() throws Exception {
        try (LogCapture logs = LogCapture.begin(); RunningServer.Watcher w = server.watch("ari")) {
            SimulatedAriCall caller = waitingCaller("15552000009").failVariableReads("CALLERID(dnid)", 3, RestFault.functionReadFailed())
                    .place();
            assertThat(newCaller(w)).as("routed by the extension it entered Stasis from").isEqualTo(caller.id());
            caller.hangup();
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            assertThat(logs.lines()).filteredOn(l -> l.startsWith("WARN ") && l.contains(caller.id())).singleElement()
                    .satisfies(l -> assertThat(l).startsWith("WARN org.tinyphone.ari.AgiOverAri - AGI over ARI: call " + caller.id())
                            .contains("GET CALLERID(dnid) failed 3 time(s), the last: GET channels/" + caller.id()
                                    + "/variable: 500 (Unable to read provided function)"));
        }
    }

    @Test
    void whenTheServerStopsItsCallsInStasisGoBackToTheDialplan() throws Exception {
        String number = "15552000008";
        RunningServer stopping = RunningServer.start(Map.of("ari.enabled", "true", "ari.url", asterisk.url(), "ari.user", USER,
                "ari.password", PASSWORD, "ari.app", "tinyphone-stopping"));
        try (RunningServer.Watcher w = stopping.watch(number)) {
            assertThat(Simulator.awaitAriServer(asterisk, "tinyphone-stopping", Duration.ofSeconds(20))).isTrue();
            SimulatedAriCall caller = asterisk.call("tinyphone-stopping").dnid(number).giveUpAfter(Duration.ofMinutes(1)).place();
            newCaller(w);
            await().atMost(RunningServer.Watcher.WAIT).until(() -> caller.requestsSoFar().stream().anyMatch(q -> q.contains("/addChannel")));
            String uuid = caller.requestsSoFar().stream().filter(q -> q.contains("/addChannel")).findFirst().orElseThrow()
                    .replaceAll(".*tinyphone-audio-([0-9a-f-]{36}).*", "$1");
            stopping.close();
            SimulatedAriCall.Result r = caller.await(Duration.ofSeconds(30));
            assertThat(r.outcome()).as("as when an AGI ends: the dialplan goes on").isEqualTo("continued");
            assertThat(requested("DELETE", "channels/tinyphone-audio-" + uuid) && requested("DELETE", "bridges/tinyphone-audio-" + uuid))
                    .as("its audio channel and bridge are gone before the server has stopped").isTrue();
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            assertThat(w.of(TinyphoneEvent.Hangup.class)).hasSize(1);
        } finally {
            stopping.close();
        }
    }

    @Test
    void talkBackAttacksOverAriAreRefusedAndNeverReachAsterisk() throws Exception {
        String number = "15552000004";
        try (RunningServer.Watcher w = server.watch(number)) {
            SimulatedAriCall caller = waitingCaller(number).place();
            String id = newCaller(w);
            TalkBackLimitsEndToEndTest.attacksAreRefused(w.client, id);
            assertThat(w.client.play(id, "hello-world").get(30, TimeUnit.SECONDS).ok()).isTrue();
            assertThat(w.client.hangup(id).get(30, TimeUnit.SECONDS).ok()).isTrue();
            SimulatedAriCall.Result r = caller.await(Duration.ofSeconds(30));
            assertThat(r.outcome()).isEqualTo("hungup");
            List<String> sent = new ArrayList<>();
            for (AriRequest q : asterisk.httpRequests()) {
                sent.add(q.method() + " " + q.path() + "?" + URLDecoder.decode(q.query(), StandardCharsets.UTF_8));
            }
            assertThat(sent).noneMatch(c -> c.contains("FILE(") || c.contains("DB(") || c.contains("SHELL(")
                    || c.contains("AGISIGHUP") || c.contains("voicemail") || c.contains("/etc/") || c.contains(".."));
            assertThat(sent).anyMatch(c -> c.startsWith("POST channels/" + r.channelId() + "/variable?") && c.contains("variable=COLOR"));
            assertThat(r.played()).containsExactly("sound:hello-world");
            assertThat(r.variables()).containsEntry("COLOR", "blue");
        }
    }

    @Test
    void asteriskGoesAwayAndComesBackCallsStillThereGoOnAndEndedOnesGetOneHangup() throws Exception {
        String number = "15552000005";
        try (RunningServer.Watcher w = server.watch(number)) {
            SimulatedAriCall stays = waitingCaller(number).args("stays").place();
            SimulatedAriCall ends = waitingCaller(number).args("ends").place();
            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.of(TinyphoneEvent.NewCaller.class).size() == 2);
            asterisk.goAway();
            ends.hangup();   // while the server cannot hear it
            Thread.sleep(500);
            asterisk.comeBack();
            await().atMost(Duration.ofSeconds(30)).until(() -> w.of(TinyphoneEvent.Hangup.class).size() == 1);
            assertThat(w.of(TinyphoneEvent.Hangup.class).get(0).callId()).isEqualTo(ends.id());
            assertThat(Simulator.awaitAriServer(asterisk, Simulator.BRIDGE_APP, Duration.ofSeconds(30))).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> {   // a key after the reconnect is heard
                stays.press('7');
                return w.keys().contains("7");
            });
            stays.hangup();
            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.of(TinyphoneEvent.Hangup.class).size() == 2);
            Thread.sleep(300);   // nothing more may come
            assertThat(w.storyOfCall(ends.id())).containsExactly("new_caller", "hangup");
            assertThat(w.storyOfCall(stays.id())).startsWith("new_caller").endsWith("hangup")
                    .filteredOn(e -> e.equals("hangup")).hasSize(1);
            assertThat(w.storyOfCall(stays.id())).filteredOn(e -> e.startsWith("keypress")).allMatch(e -> e.equals("keypress 7"));
        }
    }

    @Test
    void asteriskOutboundWebSocketBringsCallsToo() throws Exception {
        String number = "15552000006";
        try (RunningServer out = RunningServer.start(Map.of("ari.outbound.enabled", "true", "ari.outbound.port", "0",
                "ari.outbound.user", "astout", "ari.outbound.password", "astoutsecret"));
             RunningServer.Watcher w = out.watch(number)) {
            SimulatedAriAsterisk.OutboundLink link = asterisk.outbound("tinyphone-out", URI.create("ws://127.0.0.1:"
                    + out.port("ari.outbound") + "/ari-out"), "astout", "astoutsecret", Duration.ofMillis(200));
            assertThat(Simulator.awaitAriServer(asterisk, "tinyphone-out", Duration.ofSeconds(20))).isTrue();
            CallResult r = Simulator.placeAri(call(number, "42").withAudio(AudioSource.tone()), asterisk, "tinyphone-out");
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            assertThat(w.storyOfCall(r.callId())).containsExactly("new_caller", "keypress 4", "keypress 2", "hangup");
            assertThat(w.of(TinyphoneEvent.NewCaller.class).get(0).via()).isEqualTo("ari");
            assertThat(w.of(TinyphoneEvent.AudioLevel.class)).isNotEmpty();
            link.stop();
        }
    }

    private static boolean requested(String method, String path) {
        return asterisk.httpRequests().stream().anyMatch(q -> q.method().equals(method) && q.path().equals(path));
    }
}
