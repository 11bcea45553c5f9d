package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * 1,000 calls in Stasis at once, each on its own virtual thread, through the simulated ARI Asterisk on real sockets:
 * all are in Stasis together (each app waits for the others before it goes on), every one answers, plays, hears
 * its key and hangs up, over at most {@code maxConnections} HTTP connections.
 */
@Tag("load")
@Timeout(180)
class AriLoadTest {

    @Test
    void thousandConcurrentStasisCalls() throws Exception {
        int calls = 1000;
        CountDownLatch allIn = new CountDownLatch(calls);
        AtomicInteger done = new AtomicInteger();
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             AriClient ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret").maxConnections(16)
                     .restTimeout(Duration.ofSeconds(60))
                     .app("load", AgiOverAri.app(ch -> {
                         ch.answer();
                         allIn.countDown();
                         allIn.await();                       // every call is in Stasis before any goes on
                         ch.streamFile("hello-world");
                         if (ch.waitForDigit(30_000).pressed()) done.incrementAndGet();
                         ch.hangup();
                     })).build()) {
            ari.connect(Duration.ofSeconds(10));
            long t0 = System.nanoTime();
            List<SimulatedAriCall> placed = new ArrayList<>();
            for (int i = 0; i < calls; i++) placed.add(sim.call("load").keys("5").idle(Duration.ofMillis(200)).giveUpAfter(Duration.ofSeconds(60)).place());
            assertThat(allIn.await(120, TimeUnit.SECONDS)).as("all %d calls in Stasis at once", calls).isTrue();
            assertThat(ari.calls()).hasSize(calls);
            for (SimulatedAriCall c : placed) assertThat(c.await(Duration.ofSeconds(120)).outcome()).isEqualTo("hungup");
            assertThat(done).hasValue(calls);
            assertThat(ari.stats().callsStarted()).isEqualTo(calls);
            assertThat(ari.stats().dropped()).isZero();
            assertThat(sim.maxOpenConnections()).as("REST connections (16) + the events WebSocket").isLessThanOrEqualTo(17);
            System.err.printf("%d concurrent Stasis calls in %d ms%n", calls, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }
}
