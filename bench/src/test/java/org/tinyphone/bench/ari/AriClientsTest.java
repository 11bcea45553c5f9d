package org.tinyphone.bench.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinyphone.bench.agi.FastAgiCase;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * The apps of ari-rest and ari-memory against the simulated ARI Asterisk over real sockets: each library holds the
 * calls that enter its app until they hang up, and reads the channel back through REST without an error.
 */
class AriClientsTest {
    @Test
    void eachLibraryHoldsItsCallsInStasisAndReadsTheirChannelsOverRest() throws Exception {
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user(AriSimMain.USER, AriSimMain.PASSWORD).start()) {
            for (String lib : AriClientsCase.LIBS) {
                String app = "test-" + lib;
                try (AriClientMain.Lib l = lib.equals("tinyphone") ? AriClientMain.tinyphone(sim.url(), app)
                        : AriClientMain.ari4java(sim.url(), app)) {
                    List<SimulatedAriCall> calls = new ArrayList<>();
                    for (int i = 0; i < 3; i++) calls.add(sim.call(app).giveUpAfter(Duration.ofMinutes(5)).place());
                    awaitCalls(l, 3);
                    assertThat(sim.channelsInStasis()).isEqualTo(3);

                    Map<String, Long> r = FastAgiCase.parse(AriClientMain.rest(l, calls.get(0).id(), 40, 4));
                    assertThat(r).containsEntry("n", 40L).containsEntry("conc", 4L).containsEntry("errors", 0L);
                    assertThat(r.get("p99us")).isGreaterThanOrEqualTo(r.get("p50us")).isPositive();
                    assertThat(r.get("rps")).isPositive();
                    // a channel Asterisk does not have is an error, not a result
                    assertThat(FastAgiCase.parse(AriClientMain.rest(l, "no-such-channel", 3, 1))).containsEntry("errors", 3L);

                    for (SimulatedAriCall c : calls) c.hangup();
                    for (SimulatedAriCall c : calls) assertThat(c.await(Duration.ofSeconds(10)).outcome()).isEqualTo("caller-hungup");
                    awaitCalls(l, 0);
                    assertThat(l.failures()).isZero();
                }
            }
        }
    }

    private static void awaitCalls(AriClientMain.Lib l, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (l.calls() != n) {
            assertThat(System.nanoTime()).as("the app holds " + l.calls() + " calls, not " + n).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
