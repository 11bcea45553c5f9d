package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

/**
 * Asterisk's manager interface goes away and comes back while AsyncAGI calls are up: each of those calls ends with
 * exactly one hangup (nothing can command it any more), the server logs in again by itself, and new AsyncAGI calls
 * work as before. Clients stay connected throughout.
 */
class AmiRestartEndToEndTest {

    @Test
    void callsUpDuringAnAmiRestartEndOnceAndNewCallsWorkAfterTheReconnect() throws Exception {
        AsteriskSimulator asterisk = new AsteriskSimulator("tinyphone", "s3cret");
        try (FakeAmiServer ami = FakeAmiServer.start(asterisk);
             RunningServer server = RunningServer.withAmi(ami.port());
             RunningServer.Watcher w = server.watch("*")) {
            asterisk.startAsyncAgi("15550001111", "710");
            asterisk.startAsyncAgi("15550002222", "711");
            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.of(TinyphoneEvent.NewCaller.class).size() == 2);
            int loginsBefore = asterisk.logins();

            ami.restart();

            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.of(TinyphoneEvent.Hangup.class).size() == 2);
            await().atMost(RunningServer.Watcher.WAIT).until(() -> asterisk.logins() > loginsBefore);
            String late = asterisk.startAsyncAgi("15550003333", "712");
            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.of(TinyphoneEvent.NewCaller.class).size() == 3);
            String callId = w.of(TinyphoneEvent.NewCaller.class).get(2).callId();
            assertThat(w.client.sayNumber(callId, 7).get(30, TimeUnit.SECONDS).ok()).as("the new call takes commands").isTrue();
            asterisk.hangup(late);
            await().atMost(RunningServer.Watcher.WAIT).until(() -> w.of(TinyphoneEvent.Hangup.class).size() == 3);

            // exactly one hangup per call, each the call's last event
            List<String> ids = w.of(TinyphoneEvent.NewCaller.class).stream().map(TinyphoneEvent.NewCaller::callId).toList();
            assertThat(w.of(TinyphoneEvent.Hangup.class).stream().map(TinyphoneEvent.Hangup::callId).toList())
                    .containsExactlyInAnyOrderElementsOf(ids);
            Thread.sleep(500); // nothing more may come for the calls that ended
            assertThat(w.of(TinyphoneEvent.Hangup.class)).hasSize(3);
            assertThat(w.client.awaitConnected(Duration.ofSeconds(1))).as("the client stayed connected").isTrue();
        }
    }
}
