package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.testkit.ari.SimulatedAriAsterisk;
import org.tinyphone.testkit.ari.SimulatedAriCall;

@Timeout(30)
class AriSmokeTest {
    @Test
    void answerPlayContinue() throws Exception {
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start();
             AriClient ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret")
                     .app("hello", call -> {
                         call.answer();
                         Playback p = call.play("sound:hello-world");
                         AriEvent e;
                         do { e = call.nextEvent(); } while (!(e instanceof AriEvent.PlaybackFinished f && f.playback().id().equals(p.id())));
                     }).build()) {
            long t0 = System.nanoTime();
            ari.connect(Duration.ofSeconds(5));
            System.err.println("connect ms " + (System.nanoTime() - t0) / 1e6);
            for (int i = 0; i < 3; i++) {
                long t1 = System.nanoTime();
                sim.call("hello").place().await(Duration.ofSeconds(10));
                System.err.println("call ms " + (System.nanoTime() - t1) / 1e6);
            }
            SimulatedAriCall.Result r = sim.call("hello").place().await(Duration.ofSeconds(10));
            assertThat(r.outcome()).isEqualTo("continued");
            assertThat(r.played()).containsExactly("sound:hello-world");
        }
    }
}
