package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tinyphone.client.CommandResult;
import org.tinyphone.client.TinyphoneClient;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

/**
 * Talk-back cannot reach past the call, whichever way it came in: an app asking to write a file or the database
 * through a dialplan function, or to play a file outside Asterisk's sounds, gets a clear error, and Asterisk is never
 * sent the command; the call goes on and takes good commands.
 */
class TalkBackLimitsEndToEndTest {
    private static RunningServer server;

    /** What an attacker with a client sends, and what must never reach Asterisk in any form. */
    private static final List<Function<TinyphoneClient, Function<String, CompletableFuture<CommandResult>>>> ATTACKS =
            List.of(c -> call -> c.setVariable(call, "FILE(/tmp/tinyphone-pwned)", "owned"),
                    c -> call -> c.setVariable(call, "DB(family/key)", "x"),
                    c -> call -> c.setVariable(call, "SHELL(id)", "x"),
                    c -> call -> c.setVariable(call, "AGISIGHUP", "no"),
                    c -> call -> c.play(call, "/var/spool/asterisk/voicemail/default/1234/INBOX/msg0000"),
                    c -> call -> c.play(call, "../../../spool/asterisk/voicemail/default/1234/INBOX/msg0000"),
                    c -> call -> c.collectDigits(call, "/etc/asterisk/manager", 1, Duration.ofSeconds(1)));

    @BeforeAll
    static void start() {
        server = RunningServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static void attacksAreRefused(TinyphoneClient client, String call) throws Exception {
        for (var attack : ATTACKS) {
            CompletableFuture<CommandResult> f = attack.apply(client).apply(call);
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("bad_command");
        }
        assertThat(client.setVariable(call, "COLOR", "blue").get(30, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok(""));
    }

    private static void nothingReachedAsterisk(List<String> commands) {
        assertThat(commands).noneMatch(c -> c.contains("FILE(") || c.contains("DB(") || c.contains("SHELL(")
                || c.contains("AGISIGHUP") || c.contains("voicemail") || c.contains("/etc/") || c.contains(".."));
        assertThat(commands).anyMatch(c -> c.startsWith("SET VARIABLE COLOR"));
    }

    @ParameterizedTest
    @EnumSource(value = Via.class, names = {"FASTAGI", "RELAY"})
    void overAgiSessions(Via via) throws Exception {
        String number = "1555300000" + via.ordinal();
        try (RunningServer.Watcher w = server.watch(number)) {
            CompletableFuture<CallResult> placed = CompletableFuture.supplyAsync(() -> {
                try {
                    return Simulator.place(SimulatedCall.of(number, "15550001111", "", "")
                            .withTiming(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(60)), via, "127.0.0.1",
                            server.port(via == Via.FASTAGI ? "fastagi" : "relay"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(RunningServer.Watcher.WAIT).until(() -> !w.of(TinyphoneEvent.NewCaller.class).isEmpty());
            String call = w.of(TinyphoneEvent.NewCaller.class).get(0).callId();
            attacksAreRefused(w.client, call);
            assertThat(w.client.hangup(call).get(30, TimeUnit.SECONDS).ok()).isTrue();
            nothingReachedAsterisk(placed.get(60, TimeUnit.SECONDS).commands());
        }
    }

    @Test
    void overAsyncAgi() throws Exception {
        AsteriskSimulator asterisk = new AsteriskSimulator("tinyphone", "s3cret");
        try (FakeAmiServer ami = FakeAmiServer.start(asterisk);
             RunningServer withAmi = RunningServer.withAmi(ami.port());
             RunningServer.Watcher w = withAmi.watch("701")) {
            String channel = asterisk.startAsyncAgi("15550001111", "701", "lobby");
            await().atMost(RunningServer.Watcher.WAIT).until(() -> !w.of(TinyphoneEvent.NewCaller.class).isEmpty());
            attacksAreRefused(w.client, w.of(TinyphoneEvent.NewCaller.class).get(0).callId());
            asterisk.hangup(channel);
            await().atMost(RunningServer.Watcher.WAIT).until(w::hungUp);
            nothingReachedAsterisk(asterisk.actions().stream().filter(a -> "AGI".equals(a.action()))
                    .map(a -> a.get("Command")).toList());
        }
    }
}
