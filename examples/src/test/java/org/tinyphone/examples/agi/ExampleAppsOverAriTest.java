package org.tinyphone.examples.agi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.ari.AgiOverAri;
import org.tinyphone.ari.AriClient;
import org.tinyphone.examples.ExamplesServer;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * Write once, run anywhere: the {@code hello} and {@code ivr} example apps, unchanged, as Stasis applications over
 * ARI, called by the simulated ARI Asterisk on real sockets (the same apps {@link ExampleAppsTest} runs over
 * FastAGI).
 */
@Timeout(60)
class ExampleAppsOverAriTest {
    private final AtomicLong nextNumber = new AtomicLong(42);
    private SimulatedAriAsterisk sim;
    private AriClient ari;

    @BeforeEach
    void start() {
        sim = SimulatedAriAsterisk.builder().user("lab", "labsecret")
                .playbackMillis(m -> m.equals("sound:tt-monkeys") ? 3000 : 20).start();
        ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret")
                .app("hello", AgiOverAri.app(new HelloApp()))
                .app("ivr", AgiOverAri.app(new IvrApp(nextNumber::getAndIncrement)))
                .build();
        ari.connect(Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        ari.close();
        sim.close();
    }

    /** The caller presses the next key 250 ms after the app stopped doing anything: the app waits for it, not busy. */
    private SimulatedAriCall.Result run(SimulatedAriCall call) {
        return call.idle(Duration.ofMillis(250)).place().await(Duration.ofSeconds(30));
    }

    @Test
    void helloSkipsTheMonkeysWithHash() {
        SimulatedAriCall.Result r = run(sim.call("hello").pressDuring("tt-monkeys", '#'));
        assertThat(r.played()).containsExactly("sound:hello-world", "sound:tt-monkeys", "sound:goodbye");
        assertThat(r.requests()).filteredOn(q -> q.startsWith("POST channels/" + r.channelId() + "/answer")).hasSize(1);
        assertThat(r.requests()).anyMatch(q -> q.startsWith("DELETE playbacks/"));   // '#' stopped the monkeys
        assertThat(r.outcome()).isEqualTo("hungup");   // HelloApp hangs up itself
    }

    @Test
    void helloWhenTheCallerHangsUpDuringTheMonkeys() {
        SimulatedAriCall.Result r = run(sim.call("hello").hangupDuring("tt-monkeys"));
        assertThat(r.played()).containsExactly("sound:hello-world", "sound:tt-monkeys");
        assertThat(r.outcome()).isEqualTo("caller-hungup");
    }

    @Test
    void ivrPasscodeThenHearANumberThenHangUp() {
        SimulatedAriCall.Result r = run(sim.call("ivr").keys("1234" + "1" + "2"));
        assertThat(r.played()).containsExactly("sound:agent-pass", "sound:auth-thankyou",
                "sound:vm-press", "digits:1", "sound:silence/1", "sound:vm-press", "digits:2",   // "press 1 ... press 2", then 1
                "number:42",
                "sound:vm-press", "digits:1", "sound:silence/1", "sound:vm-press", "digits:2",   // then 2: goodbye
                "sound:vm-goodbye");
        assertThat(r.pressed()).containsExactly('1', '2', '3', '4', '1', '2');
        assertThat(r.outcome()).isEqualTo("hungup");
    }

    @Test
    void ivrWrongPasscodeThreeTimesHangsUp() {
        SimulatedAriCall.Result r = run(sim.call("ivr").keys("0000" + "1111" + "2222"));
        assertThat(r.played()).containsExactly("sound:agent-pass", "sound:auth-incorrect", "sound:agent-pass",
                "sound:auth-incorrect", "sound:agent-pass", "sound:auth-incorrect", "sound:vm-goodbye");
        assertThat(r.outcome()).isEqualTo("hungup");
    }

    @Test
    void ivrPasscodeFromTheStasisArgumentAndTheCallerGivesUpInTheMenu() {
        SimulatedAriCall.Result r = run(sim.call("ivr").args("4321").keys("4321").giveUpAfter(Duration.ofMillis(500)));
        assertThat(r.played()).startsWith("sound:agent-pass", "sound:auth-thankyou", "sound:vm-press");
        assertThat(r.outcome()).isEqualTo("caller-hungup");
    }

    @Test
    void theExamplesServerServesEveryAppOverAriNamedLikeItsPath() throws Exception {
        try (ExamplesServer both = ExamplesServer.start("127.0.0.1", 0, sim.url(), "lab", "labsecret")) {
            assertThat(both.ari().awaitConnected(Duration.ofSeconds(5))).isTrue();
            assertThat(both.ari().apps()).containsExactly("hello", "datetime", "callerid-lookup", "ivr");
            ari.close();   // the test's own client leaves the hello and ivr apps to the examples server
            for (String app : both.ari().apps()) {
                SimulatedAriCall.Result r = sim.call(app).callerId("15550003333", "x").keys("1234#2")
                        .giveUpAfter(Duration.ofMillis(300)).place().await(Duration.ofSeconds(30));
                assertThat(r.outcome()).as(app).isIn("hungup", "continued", "caller-hungup");
                assertThat(r.requests()).as(app).isNotEmpty();
            }
        }
    }
}
