package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.agi.AgiChannel;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

/** AsyncAGI edge cases against the simulator: routing, hangup mid-command, app returning, connection loss. */
class AsyncAgiSimulatedTest {
    private final AsteriskSimulator sim = new AsteriskSimulator("lab", "s");
    private FakeAmiServer server;
    private ManagerConnection ami;

    @BeforeEach
    void start() throws Exception {
        server = FakeAmiServer.start(sim);
        ami = ManagerConnection.builder().port(server.port()).username("lab").secret("s").keepAlive(Duration.ZERO)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build();
        ami.connect();
    }

    @AfterEach
    void stop() {
        ami.close();
        server.close();
    }

    private List<String> agiCommands() {
        return sim.actions().stream().filter(a -> "AGI".equals(a.action())).map(a -> a.get("Command")).toList();
    }

    @Test
    void routesByNameAndShiftsTheArguments() {
        List<List<String>> args = new CopyOnWriteArrayList<>();
        AsyncAgiServer.start(ami, Map.of("greet", ch -> args.add(ch.environment().args())));
        sim.startAsyncAgi("100", "700", "greet", "x y", "z");
        sim.startAsyncAgi("100", "701", "unknown");
        await().untilAsserted(() -> assertThat(args).containsExactly(List.of("x y", "z")));
        await().untilAsserted(() -> assertThat(agiCommands()).containsExactly("ASYNCAGI BREAK"));  // app returned: back to the dialplan
    }

    @Test
    void hangupDuringACommandThrowsAgiHangupException() throws Exception {
        sim.agiResponder(cmd -> cmd.startsWith("WAIT FOR DIGIT") ? null : AsteriskSimulator.defaultAgiReply(cmd));  // never answers
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        CompletableFuture<AgiChannel> running = new CompletableFuture<>();
        AsyncAgiServer.start(ami, ch -> {
            running.complete(ch);
            try {
                ch.waitForDigit(60_000);
                thrown.complete(null);
            } catch (Throwable t) {
                thrown.complete(t);
            }
        });
        String chan = sim.startAsyncAgi("100", "700");
        running.get(10, TimeUnit.SECONDS);
        await().until(() -> agiCommands().contains("WAIT FOR DIGIT 60000"));
        sim.hangup(chan);
        assertThat(thrown.get(10, TimeUnit.SECONDS)).isInstanceOf(AgiHangupException.class).hasMessageContaining("WAIT FOR DIGIT");
        assertThat(agiCommands()).doesNotContain("ASYNCAGI BREAK");
    }

    @Test
    void lostAmiConnectionFailsTheCommandInsteadOfHanging() throws Exception {
        sim.agiResponder(cmd -> cmd.startsWith("WAIT FOR DIGIT") ? null : AsteriskSimulator.defaultAgiReply(cmd));
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        AsyncAgiServer.start(ami, ch -> {
            try {
                ch.waitForDigit(60_000);
                thrown.complete(null);
            } catch (Throwable t) {
                thrown.complete(t);
            }
        });
        sim.startAsyncAgi("100", "700");
        await().until(() -> agiCommands().contains("WAIT FOR DIGIT 60000"));
        server.restart();
        assertThat(thrown.get(10, TimeUnit.SECONDS)).isInstanceOf(AgiException.class).hasMessageContaining("AMI connection lost");
    }
}
