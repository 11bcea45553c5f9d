package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * Bad input from Asterisk's side: garbage, huge and misshaped messages, event types this client has no record for,
 * events about channels that are no call here, an app that never reads its events and a listener that never returns.
 * Each gets a clear log line (outside text escaped) or a counter, and nothing else breaks: calls go on.
 */
@Timeout(60)
class AriBadInputTest {

    @Test
    void garbageHugeMisshapedUnknownAndStrayEventsAreLoggedEscapedAndCallsGoOn() throws Exception {
        List<AriEvent> events = new CopyOnWriteArrayList<>();
        try (LogCapture logs = new LogCapture();
             SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             AriClient ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret").maxMessageChars(64 * 1024)
                     .onEvent(events::add)
                     .app("x", call -> {
                         call.answer();
                         while (!(call.nextEvent() instanceof AriEvent.ChannelDtmfReceived)) { }
                         call.hangup();
                     }).build()) {
            ari.connect(Duration.ofSeconds(5));
            sim.sendRaw("this is not json \u001b[31m\r\nFAKE LOG LINE");
            sim.sendRaw("[1,2,3]");
            sim.sendRaw("{\"no_type\":1}");
            sim.sendRaw("{\"type\":\"ChannelDtmfReceived\",\"digit\":\"5\",\"duration_ms\":\"not a number\",\"channel\":{\"id\":\"nope\"},"
                    + "\"application\":\"x\"}");
            sim.sendRaw("{\"type\":\"" + "A".repeat(100_000) + "\"}");
            sim.sendRaw("{\"type\":\"FutureEvent\",\"application\":\"x\",\"answer\":42}");
            sim.sendRaw("{\"type\":\"ChannelDtmfReceived\",\"digit\":\"9\",\"duration_ms\":100,\"channel\":{\"id\":\"no-such-call\"},"
                    + "\"application\":\"x\"}");
            sim.sendRaw("{\"type\":\"StasisStart\",\"application\":\"x\",\"args\":[]}");   // no channel: no call can start
            SimulatedAriCall.Result r = sim.call("x").keys("1").pressWithoutWaitingForAPrompt().place().await(Duration.ofSeconds(10));
            assertThat(r.outcome()).isEqualTo("hungup");   // the call after all that went as usual

            AriStats s = ari.stats();
            assertThat(s.malformed()).isEqualTo(5);        // not JSON, not an object, no type, impossible shape, StasisStart without channel
            assertThat(s.oversized()).isEqualTo(1);
            assertThat(s.unknownTypes()).isGreaterThanOrEqualTo(1);
            assertThat(s.unknownChannel()).isGreaterThanOrEqualTo(1);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e instanceof AriEvent.StasisEnd));
            AriEvent.Other future = events.stream().filter(e -> e.type().equals("FutureEvent")).map(e -> (AriEvent.Other) e)
                    .findFirst().orElseThrow();
            assertThat(future.json().path("answer").asInt()).isEqualTo(42);
            assertThat(future.application()).isEqualTo("x");
            assertThat(events).anyMatch(e -> e instanceof AriEvent.Other o && o.type().equals("ChannelDtmfReceived")
                    && "nope".equals(o.channelId()));
            assertThat(events).anyMatch(e -> e instanceof AriEvent.ChannelDtmfReceived d && "no-such-call".equals(d.channelId()));

            String log = logs.text();
            assertThat(log).contains("is not JSON").contains("\\x1b[31m\\r\\nFAKE LOG LINE");
            assertThat(log).doesNotContain("\u001b").doesNotContainPattern("(?m)^FAKE LOG LINE");
            assertThat(log).contains("without a \"type\"").contains("not a JSON object").contains("over the 65536 limit")
                    .contains("a ChannelDtmfReceived event in a shape this client cannot read");
        }
    }

    @Test
    void anAppThatNeverReadsAndAListenerThatNeverReturnsStallNeitherTheReaderNorOtherCalls() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean stuckSawItsEnd = new AtomicBoolean();
        CountDownLatch stuckStarted = new CountDownLatch(1);
        ObjectMapper json = new ObjectMapper();
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             AriClient ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret").callQueue(50).listenerQueue(100)
                     .onEvent(e -> {
                         try {
                             release.await();   // a listener stuck until the end
                         } catch (InterruptedException ignored) {
                             Thread.currentThread().interrupt();
                         }
                     })
                     .app("stuck", call -> {
                         stuckStarted.countDown();
                         release.await();          // reads nothing for a while
                         AriEvent e;
                         while ((e = call.nextEvent(Duration.ofSeconds(5))) != null) {
                             if (e instanceof AriEvent.StasisEnd) {
                                 stuckSawItsEnd.set(true);
                                 return;
                             }
                         }
                     })
                     .app("ok", call -> {
                         call.answer();
                         call.play("sound:hello-world");
                         while (!(call.nextEvent() instanceof AriEvent.PlaybackFinished)) { }
                         call.hangup();
                     }).build()) {
            ari.connect(Duration.ofSeconds(5));
            SimulatedAriCall stuck = sim.call("stuck").giveUpAfter(Duration.ofMinutes(1)).place();
            assertThat(stuckStarted.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 2000; i++) {   // a flood for the call that does not read
                ObjectNode e = json.createObjectNode();
                e.put("variable", "V" + i).put("value", "x").put("type", "ChannelVarset").put("timestamp", "2026-12-04T13:33:44.315+0000");
                e.putObject("channel").put("id", stuck.id()).put("name", "Local/x;2").put("state", "Up");
                sim.sendEvent("stuck", e);
            }
            SimulatedAriCall.Result ok = sim.call("ok").giveUpAfter(Duration.ofMinutes(1)).place().await(Duration.ofSeconds(30));
            assertThat(ok.outcome()).isEqualTo("hungup");   // the reader kept going
            stuck.hangup();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ari.stats().dropped() > 0 && stuck.isDone());
            release.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilTrue(stuckSawItsEnd);   // StasisEnd always fits
            assertThat(ari.stats().dropped()).isGreaterThan(1000);
        }
    }
}
