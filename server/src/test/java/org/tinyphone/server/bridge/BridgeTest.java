package org.tinyphone.server.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.ManualControl;

class BridgeTest {

    /** Records what a subscriber is told, in order. */
    static class Recorder implements Subscriber {
        final List<CallEvent> events = new CopyOnWriteArrayList<>();
        final List<List<CallState>> snapshots = new CopyOnWriteArrayList<>();

        @Override public void onSnapshot(String number, List<CallState> calls) { snapshots.add(calls); }

        @Override public void onEvent(CallEvent event) { events.add(event); }

        List<String> types() { return events.stream().map(CallEvent::type).toList(); }
    }

    static CallInfo info(String id, String number) {
        return new CallInfo(id, "15550001111", "Carol", number, List.of("a1"), "SIP/x-1", "test", Instant.now());
    }

    @Test
    void aCallIsSeenByTheSubscribersOfItsDialedNumberOnly() {
        Bridge bridge = new Bridge();
        Recorder mine = new Recorder(), other = new Recorder(), all = new Recorder();
        bridge.subscribe("100", mine);
        bridge.subscribe("200", other);
        bridge.subscribe(Bridge.ALL_NUMBERS, all);

        Call call = bridge.open(info("c1", "100"), null);
        call.keypress('7');
        call.audioLevel(500);
        call.hangup("caller");

        assertThat(mine.types()).containsExactly("new_caller", "keypress", "audio_level", "hangup");
        assertThat(all.types()).containsExactly("new_caller", "keypress", "audio_level", "hangup");
        assertThat(other.events).isEmpty();
        assertThat(((CallEvent.NewCaller) mine.events.get(0)).info().args()).containsExactly("a1");
    }

    @Test
    void exactlyOneHangupAndNothingAfterIt() {
        Bridge bridge = new Bridge();
        Recorder r = new Recorder();
        bridge.subscribe("100", r);
        Call call = bridge.open(info("c1", "100"), null);

        assertThat(call.hangup("caller")).isTrue();
        assertThat(call.hangup("relay closed")).isFalse();
        assertThat(call.keypress('1')).isFalse();
        assertThat(call.audioLevel(10)).isFalse();

        assertThat(r.types()).containsExactly("new_caller", "hangup");
        assertThat(((CallEvent.Hangup) r.events.get(1)).cause()).isEqualTo("caller");
        assertThat(call.ended()).isTrue();
        assertThat(bridge.find("c1")).isEmpty();
    }

    @Test
    void hangupsRacingFromManyThreadsGiveOneHangupEvent() throws Exception {
        Bridge bridge = new Bridge();
        Recorder r = new Recorder();
        bridge.subscribe("100", r);
        for (int round = 0; round < 50; round++) {
            Call call = bridge.open(info("c" + round, "100"), null);
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger firsts = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                final int tt = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    call.keypress('1');
                    if (call.hangup("t" + tt)) firsts.incrementAndGet();
                    call.audioLevel(3);
                }));
            }
            go.countDown();
            for (Thread t : threads) t.join();
            assertThat(firsts.get()).isEqualTo(1);
        }
        Map<String, List<String>> byCall = new ConcurrentHashMap<>();
        for (CallEvent e : r.events) byCall.computeIfAbsent(e.callId(), k -> new ArrayList<>()).add(e.type());
        assertThat(byCall).hasSize(50);
        byCall.values().forEach(types -> {
            assertThat(types.get(0)).isEqualTo("new_caller");
            assertThat(types.get(types.size() - 1)).isEqualTo("hangup");
            assertThat(Collections.frequency(types, "hangup")).isEqualTo(1);
        });
    }

    @Test
    void onlyRealKeysPassAndLevelsAreClamped() {
        Bridge bridge = new Bridge();
        Recorder r = new Recorder();
        bridge.subscribe("100", r);
        Call call = bridge.open(info("c1", "100"), null);
        for (char c : "0123456789*#AD x".toCharArray()) call.keypress(c);
        call.audioLevel(-5);
        call.audioLevel(99_999);
        call.audioLevel(32_768);

        String keys = r.events.stream().filter(e -> e instanceof CallEvent.Keypress)
                .map(e -> String.valueOf(((CallEvent.Keypress) e).digit())).reduce("", String::concat);
        assertThat(keys).isEqualTo("0123456789*#");
        assertThat(r.events.stream().filter(e -> e instanceof CallEvent.AudioLevel).map(e -> ((CallEvent.AudioLevel) e).level()))
                .containsExactly(0, 32768, 32768);
    }

    @Test
    void aSubscriberGetsTheCallsInProgressFirstWithTheirKeysSoFar() {
        Bridge bridge = new Bridge();
        Call c1 = bridge.open(info("c1", "100"), null);
        c1.keypress('4');
        c1.keypress('2');
        c1.audioLevel(900);
        bridge.open(info("c2", "100"), null).hangup("caller");
        bridge.open(info("c3", "200"), null);

        Recorder r = new Recorder();
        bridge.subscribe("100", r);

        assertThat(r.snapshots).hasSize(1);
        assertThat(r.snapshots.get(0)).singleElement().satisfies(s -> {
            assertThat(s.info().callId()).isEqualTo("c1");
            assertThat(s.keys()).isEqualTo("42");
            assertThat(s.audioLevel()).isEqualTo(900);
        });
        assertThat(bridge.snapshot(Bridge.ALL_NUMBERS)).extracting(s -> s.info().callId()).containsExactly("c1", "c3");
    }

    @Test
    void subscribingWhileCallsArriveSeesEachCallOnceEitherInTheSnapshotOrAsNewCaller() throws Exception {
        Bridge bridge = new Bridge();
        int calls = 400;
        Thread opener = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < calls; i++) bridge.open(info("c" + i, "100"), null);
        });
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Recorder r = new Recorder();
            bridge.subscribe(i % 2 == 0 ? "100" : Bridge.ALL_NUMBERS, r);
            recorders.add(r);
        }
        opener.join();
        // 40 subscribers: past INLINE_FANOUT, so the number's delivery thread may still be at work
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> recorders.stream()
                .allMatch(r -> r.snapshots.get(0).size() + r.events.size() >= calls));
        for (Recorder r : recorders) {
            Set<String> seen = ConcurrentHashMap.newKeySet();
            List<String> all = new ArrayList<>();
            r.snapshots.get(0).forEach(s -> all.add(s.info().callId()));
            r.events.forEach(e -> all.add(e.callId()));
            seen.addAll(all);
            assertThat(all).hasSize(calls).doesNotHaveDuplicates();
        }
    }

    @Test
    void aSubscriberOfANumberAndOfAllNumbersGetsEachEventOnce() {
        Bridge bridge = new Bridge();
        Recorder r = new Recorder();
        bridge.subscribe("100", r);
        bridge.subscribe(Bridge.ALL_NUMBERS, r);
        Call call = bridge.open(info("c1", "100"), null);
        call.keypress('1');
        bridge.open(info("c2", "200"), null);
        assertThat(r.types()).containsExactly("new_caller", "keypress", "new_caller");
    }

    @Test
    void aSecondCallWithTheSameIdGetsAUniqueOne() {
        Bridge bridge = new Bridge();
        Call a = bridge.open(info("same", "100"), null);
        Call b = bridge.open(info("same", "100"), null);
        assertThat(a.id()).isEqualTo("same");
        assertThat(b.id()).isEqualTo("same-2");
        assertThat(bridge.find("same-2")).containsSame(b);
    }

    @Test
    void commandsRunOneAtATimeInOrderAndAHangupAnswersTheWaitingOnes() throws Exception {
        Bridge bridge = new Bridge();
        ManualControl control = new ManualControl();
        Call call = bridge.open(info("c1", "100"), control);

        var first = call.submit(new CallCommand.Play("hello-world", "#"));
        var second = call.submit(new CallCommand.SayNumber(42));
        var third = call.submit(new CallCommand.SayDigits("123"));

        ManualControl.Running r1 = control.next();
        assertThat(r1.command()).isEqualTo(new CallCommand.Play("hello-world", "#"));
        assertThat(control.poll(Duration.ofMillis(200))).as("second waits for the first").isNull();
        r1.answer(CommandResult.ok("#"));
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok("#"));

        ManualControl.Running r2 = control.next();
        assertThat(r2.command()).isEqualTo(new CallCommand.SayNumber(42));
        call.hangup("caller"); // while say_number plays

        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(CommandResult.failed("call hung up"));
        assertThat(third.get(5, TimeUnit.SECONDS).ok()).isFalse();
        assertThat(control.maxInFlight.get()).isEqualTo(1);
        assertThat(call.submit(new CallCommand.Hangup()).get(5, TimeUnit.SECONDS).error()).isEqualTo("call has ended");
    }

    @Test
    void aCallWithoutCommandChannelSaysSoAndAFailingControlBecomesAnErrorResult() throws Exception {
        Bridge bridge = new Bridge();
        Call plain = bridge.open(info("c1", "100"), null);
        assertThat(plain.submit(new CallCommand.Hangup()).get(5, TimeUnit.SECONDS))
                .isEqualTo(CommandResult.failed("call has no command channel"));

        Call broken = bridge.open(info("c2", "100"), cmd -> {
            throw new IllegalStateException("AGI channel closed");
        });
        assertThat(broken.submit(new CallCommand.Hangup()).get(5, TimeUnit.SECONDS))
                .isEqualTo(CommandResult.failed("AGI channel closed"));
    }

    @Test
    void aNumberIsRoutedInItsNormalFormWhateverWayItIsWritten() {
        Bridge bridge = new Bridge();
        Recorder r = new Recorder();
        bridge.subscribe("1 (360) 516-2099", r);
        Call call = bridge.open(info("c1", "+13605162099"), null);
        assertThat(call.number()).isEqualTo("13605162099");
        call.keypress('5');
        assertThat(r.types()).containsExactly("new_caller", "keypress");
        assertThat(bridge.snapshot("+1.360.516.2099")).hasSize(1);
    }

    @Test
    void aCommandTheTalkbackPolicyRefusesNeverReachesTheCall() throws Exception {
        Bridge bridge = new Bridge();
        List<CallCommand> reached = new CopyOnWriteArrayList<>();
        Call call = bridge.open(info("c1", "100"), cmd -> {
            reached.add(cmd);
            return CompletableFuture.completedFuture(CommandResult.ok(""));
        });
        CommandResult file = call.submit(new CallCommand.SetVariable("FILE(/tmp/pwned)", "x")).get(5, TimeUnit.SECONDS);
        CommandResult db = call.submit(new CallCommand.SetVariable("DB(family/key)", "x")).get(5, TimeUnit.SECONDS);
        CommandResult path = call.submit(new CallCommand.Play("/var/spool/asterisk/voicemail/default/1234/INBOX/msg0000", ""))
                .get(5, TimeUnit.SECONDS);
        CommandResult dots = call.submit(new CallCommand.CollectDigits("../../../voicemail/x", 1, Duration.ofSeconds(1)))
                .get(5, TimeUnit.SECONDS);
        assertThat(List.of(file, db, path, dots)).allSatisfy(r -> assertThat(r.ok()).isFalse());
        assertThat(file.error()).contains("set_variable", "FILE", "talkback.functions");
        assertThat(path.error()).contains("play", "not a sound name");
        assertThat(reached).isEmpty();

        assertThat(call.submit(new CallCommand.SetVariable("COLOR", "blue")).get(5, TimeUnit.SECONDS).ok()).isTrue();
        assertThat(reached).containsExactly(new CallCommand.SetVariable("COLOR", "blue"));
    }

    @Test
    void numbersWithoutCallsOrSubscribersAreForgottenAndComeBackWhenUsed() {
        Bridge bridge = new Bridge();
        Recorder r = new Recorder();
        for (int i = 0; i < 1000; i++) bridge.subscribe("n" + i, r).close();
        bridge.open(info("c1", "100"), null).hangup("caller");
        assertThat(bridge.roomCount()).isZero();

        Subscription sub = bridge.subscribe("100", r);
        Call call = bridge.open(info("c2", "100"), null);
        sub.close();
        assertThat(bridge.roomCount()).as("a call keeps its number").isEqualTo(1);
        Recorder late = new Recorder();
        bridge.subscribe("100", late);
        call.hangup("caller");
        assertThat(late.snapshots.get(0)).hasSize(1);
        assertThat(late.types()).containsExactly("hangup");
    }

    @Test
    void metricsCountCallsAndEvents() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Bridge bridge = new Bridge(registry, TalkbackPolicy.DEFAULT);
        Call c = bridge.open(info("c1", "100"), null);
        c.keypress('1');
        c.keypress('2');
        assertThat(registry.get("tinyphone.calls.active").gauge().value()).isEqualTo(1.0);
        c.hangup("caller");
        assertThat(registry.get("tinyphone.calls").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("tinyphone.calls.active").gauge().value()).isEqualTo(0.0);
        assertThat(registry.get("tinyphone.events").tag("type", "keypress").counter().count()).isEqualTo(2.0);
        assertThat(registry.get("tinyphone.events").tag("type", "hangup").counter().count()).isEqualTo(1.0);
    }

    @Test
    void eventsReachSubscribersWithNoBridgeLockHeldInlineOrFromTheDeliveryThread() throws Exception {
        Bridge bridge = new Bridge();
        Call[] call = new Call[1];
        List<Boolean> lockedAtDelivery = new CopyOnWriteArrayList<>();
        Recorder watcher = new Recorder() {
            @Override public void onEvent(CallEvent event) {
                lockedAtDelivery.add(call[0] != null && call[0].room().lock.isHeldByCurrentThread());
                super.onEvent(event);
            }
        };
        bridge.subscribe("100", watcher); // one subscriber: delivered by the thread that emits
        call[0] = bridge.open(info("c1", "100"), null);
        call[0].keypress('1');
        assertThat(watcher.types()).containsExactly("new_caller", "keypress");

        List<Recorder> others = busyNumber(bridge, "100", new Recorder()); // now through the delivery thread
        call[0].keypress('2');
        call[0].hangup("caller");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> watcher.events.size() == 4
                && others.stream().allMatch(r -> r.events.size() == 2));
        assertThat(watcher.types()).containsExactly("new_caller", "keypress", "keypress", "hangup");
        assertThat(lockedAtDelivery).hasSize(4).containsOnly(false);
    }

    @Test
    void anEventEmittedByASubscriberWhileItIsHandedOneComesAfterItToEveryone() {
        Bridge bridge = new Bridge();
        Call[] call = new Call[1];
        Recorder hangsUpOnKey = new Recorder() {
            @Override public void onEvent(CallEvent event) {
                super.onEvent(event);
                if (event instanceof CallEvent.Keypress) call[0].hangup("app"); // from inside the delivery
            }
        };
        Recorder second = new Recorder();
        bridge.subscribe("100", hangsUpOnKey);
        bridge.subscribe("100", second);
        call[0] = bridge.open(info("c1", "100"), null);
        call[0].keypress('5');
        assertThat(hangsUpOnKey.types()).containsExactly("new_caller", "keypress", "hangup");
        assertThat(second.types()).as("the keypress first, though the hangup happened while it was being delivered")
                .containsExactly("new_caller", "keypress", "hangup");
    }

    /** A subscriber whose first event blocks until released (a client whose socket write is slow). */
    static final class Stuck extends Recorder {
        final CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);

        @Override public void onEvent(CallEvent event) {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.onEvent(event);
        }
    }

    /** Subscribes {@code first}, then enough recorders to take the number past {@link FanOut#INLINE_FANOUT}. */
    static List<Recorder> busyNumber(Bridge bridge, String number, Recorder first) {
        bridge.subscribe(number, first);
        List<Recorder> others = new ArrayList<>();
        for (int i = 0; i < FanOut.INLINE_FANOUT + 10; i++) {
            Recorder r = new Recorder();
            others.add(r);
            bridge.subscribe(number, r);
        }
        return others;
    }

    static String keys(Recorder r) {
        StringBuilder sb = new StringBuilder();
        for (CallEvent e : r.events) if (e instanceof CallEvent.Keypress k) sb.append(k.digit());
        return sb.toString();
    }

    @Test
    void aNumberWithManySubscribersIsDeliveredByItsOwnThreadInOrderWhileTheCallGoesOn() throws Exception {
        Bridge bridge = new Bridge();
        Stuck stuck = new Stuck();
        List<Recorder> others = busyNumber(bridge, "100", stuck);
        Recorder watcher = new Recorder();
        bridge.subscribe(Bridge.ALL_NUMBERS, watcher);
        // the call's thread emits everything although the first subscriber is stuck on the first event
        Thread callThread = Thread.ofVirtual().start(() -> {
            Call call = bridge.open(info("c1", "100"), null);
            for (char k : "123456789".toCharArray()) call.keypress(k);
            call.hangup("caller");
        });
        assertThat(stuck.entered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(callThread.join(Duration.ofSeconds(10))).as("the emitting thread did not wait").isTrue();
        stuck.release.countDown();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> others.stream().allMatch(r -> r.events.size() == 11) && watcher.events.size() == 11);
        for (Recorder r : List.of(stuck, others.get(0), others.get(others.size() - 1), watcher)) {
            assertThat(r.types()).containsExactly("new_caller", "keypress", "keypress", "keypress", "keypress",
                    "keypress", "keypress", "keypress", "keypress", "keypress", "hangup");
            assertThat(keys(r)).isEqualTo("123456789");
        }
    }

    @Test
    void joiningOrLeavingABusyNumberWhileItsEventsWaitNeitherRepeatsNorLeaksOne() throws Exception {
        Bridge bridge = new Bridge();
        Stuck stuck = new Stuck();
        List<Recorder> others = busyNumber(bridge, "100", stuck);
        Call call = bridge.open(info("c1", "100"), null); // held up at the stuck subscriber
        assertThat(stuck.entered.await(10, TimeUnit.SECONDS)).isTrue();
        call.keypress('1'); // waiting behind it
        Recorder leaver = others.get(3);
        bridge.unsubscribe("100", leaver);
        Recorder joiner = new Recorder();
        bridge.subscribe("100", joiner);
        assertThat(joiner.snapshots.get(0).get(0).keys()).as("the snapshot has the waiting key").isEqualTo("1");
        call.keypress('2');
        stuck.release.countDown();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> keys(others.get(0)).equals("12"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> keys(joiner).equals("2"));
        assertThat(joiner.types()).containsExactly("keypress");
        assertThat(leaver.events).as("it left before anything reached it").isEmpty();
    }

    @Test
    void aStreamCommandSentBeforeTheCallsAudioJoinsWaitsForItOnAWayInWithAudioAndFailsAtOnceOnOneWithout()
            throws Exception {
        Bridge bridge = new Bridge();
        CallInfo base = info("m.1", "100");
        Call audiosocket = bridge.open(new CallInfo("m.1", base.callerId(), base.callerName(), "100", base.args(), base.channel(),
                "audiosocket", base.started()), null);
        var waiting = audiosocket.submit(new CallCommand.Stream("ws://127.0.0.1:9/app"));
        assertThat(waiting).as("waits for the audio").isNotDone();
        audiosocket.attachMedia(m -> CompletableFuture.completedFuture(CommandResult.ok("ran " + m.kind())));
        assertThat(waiting.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(CommandResult.ok("ran stream"));

        Call fastagi = bridge.open(new CallInfo("m.2", base.callerId(), base.callerName(), "100", base.args(), base.channel(),
                "fastagi", base.started()), null);
        CommandResult none = fastagi.submit(new CallCommand.Stream("ws://127.0.0.1:9/app")).getNow(null);
        assertThat(none).as("no audio can come: said at once").isNotNull();
        assertThat(none.error()).contains("has no audio", "fastagi");

        Call relay = bridge.open(new CallInfo("m.3", base.callerId(), base.callerName(), "100", base.args(), base.channel(),
                "relay", base.started()), null);
        var late = relay.submit(new CallCommand.Stream("ws://127.0.0.1:9/app"));
        assertThat(late.get(Call.MEDIA_WAIT.toMillis() + 5000, java.util.concurrent.TimeUnit.MILLISECONDS).error())
                .as("no audio joined in time").contains("has no audio");

        Call hungUp = bridge.open(new CallInfo("m.4", base.callerId(), base.callerName(), "100", base.args(), base.channel(),
                "ari", base.started()), null);
        var cut = hungUp.submit(new CallCommand.Stream("ws://127.0.0.1:9/app"));
        hungUp.hangup("caller");
        assertThat(cut.get(5, java.util.concurrent.TimeUnit.SECONDS).error()).isEqualTo("call has ended");
    }
}
