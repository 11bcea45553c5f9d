package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tinyphone.client.CommandResult;
import org.tinyphone.client.TinyphoneClient;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/** Apps talk back: commands from a native client run in order on the call's AGI session and are answered. */
class TalkBackEndToEndTest {
    private static RunningServer server;

    @BeforeAll
    static void start() {
        server = RunningServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static CompletableFuture<CallResult> placeInBackground(SimulatedCall call, Via via, int port) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Simulator.place(call, via, "127.0.0.1", port);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String awaitCaller(RunningServer.Watcher w) {
        await().atMost(RunningServer.Watcher.WAIT).until(() -> !w.of(TinyphoneEvent.NewCaller.class).isEmpty());
        return w.of(TinyphoneEvent.NewCaller.class).get(0).callId();
    }

    @Test
    void playCollectSaySetAndHangupRunInOrderOnTheCall() throws Exception {
        try (RunningServer.Watcher w = server.watch("15552000001")) {
            // the caller starts pressing 1234 three seconds in, while the app is collecting digits
            CompletableFuture<CallResult> placed = placeInBackground(SimulatedCall.of("15552000001", "15550001111",
                    "Carol", "1234").withTiming(Duration.ofSeconds(3), Duration.ofMillis(100), Duration.ofSeconds(20)),
                    Via.FASTAGI, server.port("fastagi"));
            String call = awaitCaller(w);
            TinyphoneClient app = w.client;

            CompletableFuture<CommandResult> play = app.play(call, "hello-world");
            CompletableFuture<CommandResult> collect = app.collectDigits(call, "beep", 4, Duration.ofSeconds(8));
            CompletableFuture<CommandResult> say = app.sayNumber(call, 42);
            CompletableFuture<CommandResult> digits = app.sayDigits(call, "907");
            CompletableFuture<CommandResult> set = app.setVariable(call, "COLOR", "blue");
            CompletableFuture<CommandResult> hangup = app.hangup(call);

            assertThat(play.get(30, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok(""));
            assertThat(collect.get(30, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok("1234"));
            assertThat(say.get(30, TimeUnit.SECONDS).ok()).isTrue();
            assertThat(digits.get(30, TimeUnit.SECONDS).ok()).isTrue();
            assertThat(set.get(30, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok(""));
            assertThat(hangup.get(30, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok(""));

            CallResult result = placed.get(30, TimeUnit.SECONDS);
            assertThat(result.endedBy()).isEqualTo(CallResult.EndedBy.SERVER);
            List<String> sent = result.commands();
            assertThat(sent).filteredOn(c -> !c.startsWith("WAIT FOR DIGIT")).satisfiesExactly(
                    c -> assertThat(c).isEqualTo("ANSWER"),
                    c -> assertThat(c).startsWith("STREAM FILE hello-world").contains("0123456789*#"),
                    c -> assertThat(c).startsWith("STREAM FILE beep"),
                    c -> assertThat(c).startsWith("SAY NUMBER 42"),
                    c -> assertThat(c).startsWith("SAY DIGITS 907"),
                    c -> assertThat(c).startsWith("SET VARIABLE COLOR").contains("blue"),
                    c -> assertThat(c).isEqualTo("HANGUP"));

            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            assertThat(w.story()).containsExactly("new_caller", "keypress 1", "keypress 2", "keypress 3", "keypress 4",
                    "hangup");
            assertThat(w.of(TinyphoneEvent.Hangup.class).get(0).cause()).isEqualTo("app");
        }
    }

    @Test
    void aKeyPressedDuringPlaybackIsAKeypressAndOnlyAnEscapeDigitStopsIt() throws Exception {
        try (RunningServer.Watcher w = server.watch("15552000002")) {
            // '7' comes while the prompt plays (not an escape digit: reported, playback resumes), then '#' stops it
            CompletableFuture<CallResult> placed = placeInBackground(SimulatedCall.of("15552000002", "15550001111", "",
                    "7#").withTiming(Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofSeconds(20)),
                    Via.FASTAGI, server.port("fastagi"));
            String call = awaitCaller(w);
            CommandResult played = w.client.play(call, "tt-monkeys", "#").get(30, TimeUnit.SECONDS);
            assertThat(played).isEqualTo(CommandResult.ok("#"));
            assertThat(w.client.hangup(call).get(30, TimeUnit.SECONDS).ok()).isTrue();
            CallResult result = placed.get(30, TimeUnit.SECONDS);
            assertThat(result.commands()).filteredOn(c -> c.startsWith("STREAM FILE tt-monkeys")).isNotEmpty();
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            assertThat(w.story()).containsExactly("new_caller", "keypress 7", "keypress #", "hangup");
        }
    }

    @Test
    void aCallThatHangsUpDuringACommandAnswersItWithAClearErrorAndHangsUpOnce() throws Exception {
        try (RunningServer.Watcher w = server.watch("15552000003")) {
            // no keys: the caller hangs up 800 ms in, while the app's prompts (600 ms each) are playing
            CompletableFuture<CallResult> placed = placeInBackground(SimulatedCall.of("15552000003", "15550001111", "",
                    "").withTiming(Duration.ZERO, Duration.ZERO, Duration.ofMillis(800)), Via.FASTAGI,
                    server.port("fastagi"));
            String call = awaitCaller(w);
            List<CompletableFuture<CommandResult>> plays = List.of(w.client.play(call, "tt-monkeys"),
                    w.client.play(call, "tt-monkeys"), w.client.play(call, "tt-monkeys"), w.client.play(call, "tt-monkeys"));

            List<CommandResult> results = plays.stream().map(f -> f.orTimeout(30, TimeUnit.SECONDS).join()).toList();
            assertThat(results).anySatisfy(r -> {
                assertThat(r.ok()).isFalse();
                assertThat(r.error()).contains("hung up");
            });
            assertThat(results.get(results.size() - 1).ok()).isFalse();
            assertThat(placed.get(30, TimeUnit.SECONDS).endedBy()).isEqualTo(CallResult.EndedBy.CALLER);
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            assertThat(w.story()).containsExactly("new_caller", "hangup");
            assertThat(w.of(TinyphoneEvent.Hangup.class).get(0).cause()).isEqualTo("caller");
            assertThatThrownBy(() -> w.client.play(call, "tt-monkeys").get(30, TimeUnit.SECONDS))
                    .hasMessageContaining("no call in progress");
        }
    }
}
