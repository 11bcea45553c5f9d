package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.tinyphone.client.CommandResult;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

/** AsyncAGI over AMI: a call entering AGI(agi:async) runs the bridge app through AGI actions, both ways. */
class AsyncAgiEndToEndTest {

    @Test
    void anAsyncAgiCallReachesSubscribersAndTakesCommands() throws Exception {
        AsteriskSimulator asterisk = new AsteriskSimulator("tinyphone", "s3cret");
        AtomicBoolean pressed = new AtomicBoolean();
        // the caller presses 6 during the first wait for a digit
        asterisk.agiResponder(cmd -> cmd.startsWith("WAIT FOR DIGIT") && pressed.compareAndSet(false, true)
                ? "200 result=54" : AsteriskSimulator.defaultAgiReply(cmd));
        try (FakeAmiServer ami = FakeAmiServer.start(asterisk);
             RunningServer server = RunningServer.withAmi(ami.port());
             RunningServer.Watcher w = server.watch("700")) {
            String channel = asterisk.startAsyncAgi("15550001111", "700", "lobby");
            await().atMost(Duration.ofSeconds(30)).until(() -> w.keys().equals("6"));
            TinyphoneEvent.NewCaller caller = w.of(TinyphoneEvent.NewCaller.class).get(0);
            assertThat(caller.callerId()).isEqualTo("15550001111");
            assertThat(caller.number()).as("no DNID: the extension").isEqualTo("700");
            assertThat(caller.args()).containsExactly("lobby");
            assertThat(caller.via()).isEqualTo("asyncagi");

            CommandResult said = w.client.sayNumber(caller.callId(), 42).get(30, TimeUnit.SECONDS);
            assertThat(said.ok()).isTrue();
            List<String> sent = asterisk.actions().stream().filter(a -> "AGI".equals(a.action()))
                    .map(a -> a.get("Command")).toList();
            assertThat(sent).contains("ANSWER").anyMatch(c -> c.startsWith("SAY NUMBER 42"));

            asterisk.hangup(channel);
            await().atMost(Duration.ofSeconds(30)).until(w::hungUp);
            assertThat(w.story()).containsExactly("new_caller", "keypress 6", "hangup");
        }
    }
}
