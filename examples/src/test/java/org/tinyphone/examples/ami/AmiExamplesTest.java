package org.tinyphone.examples.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.ami.ChannelTracker;
import org.tinyphone.ami.ManagerConnection;
import org.tinyphone.examples.agi.IvrApp;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

/** Each AMI example against the simulated Asterisk manager, over a real socket. */
class AmiExamplesTest {
    private final AsteriskSimulator sim = new AsteriskSimulator("lab", "labsecret");
    private FakeAmiServer server;
    private ManagerConnection ami;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws Exception {
        server = FakeAmiServer.start(sim);
        ami = AmiOptions.parse(new String[] {"--port", Integer.toString(server.port()), "--user", "lab", "--secret", "labsecret"})
                .builder().keepAlive(Duration.ZERO).build();
    }

    @AfterEach
    void stop() {
        ami.close();
        server.close();
    }

    private String output() { return bytes.toString(StandardCharsets.UTF_8); }

    private List<String> agiCommands() {
        return sim.actions().stream().filter(a -> "AGI".equals(a.action())).map(a -> a.get("Command")).toList();
    }

    @Test
    void amiwatchPrintsEventsAndStates() {
        AmiWatch.watch(ami, List.of(), out);
        ami.connect();
        sim.newChannel("PJSIP/100-00000001", "100", "Alice Smith", "600");
        await().untilAsserted(() -> assertThat(output())
                .contains("-- LOGGED_IN (Asterisk Call Manager/11.0.0)")
                .contains("Newchannel Channel=PJSIP/100-00000001 ChannelState=4")
                .contains("CallerIDName=\"Alice Smith\""));
        assertThat(output()).doesNotContain("Privilege=");
    }

    @Test
    void chanwatchShowsCallsComingAndGoing() {
        ami.connect();
        ChanWatch.watch(ChannelTracker.track(ami), out);
        sim.newChannel("PJSIP/100-00000001", "100", "Alice", "600");
        sim.dtmf("PJSIP/100-00000001", "12");
        sim.hangup("PJSIP/100-00000001");
        await().untilAsserted(() -> assertThat(output())
                .contains("+ PJSIP/100-00000001 from \"Alice\" <100>")
                .containsPattern("- PJSIP/100-00000001 Normal Clearing after [0-9.]+ s, pressed 12"));
    }

    @Test
    void dtmfCollectsEntriesAndRedirectsZero() {
        ami.connect();
        DtmfWatch.capture(ChannelTracker.track(ami), Duration.ofSeconds(5), out);
        sim.newChannel("PJSIP/100-00000001", "100", "Alice", "600");
        sim.dtmf("PJSIP/100-00000001", "1234#");
        await().untilAsserted(() -> assertThat(output()).contains("PJSIP/100-00000001 entered 1234"));
        sim.dtmf("PJSIP/100-00000001", "0#");
        await().untilAsserted(() -> assertThat(output()).contains("PJSIP/100-00000001 sent to operator"));
        await().untilAsserted(() -> assertThat(sim.actions()).anySatisfy(a -> {
            assertThat(a.action()).isEqualTo("Redirect");
            assertThat(a.get("Exten")).isEqualTo("operator");
        }));
        sim.hangup("PJSIP/100-00000001");
    }

    @Test
    void theFastAgiIvrRunsUnchangedOverAsyncAgi() {
        AtomicInteger menus = new AtomicInteger();
        sim.agiResponder(cmd -> {
            if (cmd.startsWith("GET DATA agent-pass")) return "200 result=4321";
            if (cmd.startsWith("STREAM FILE vm-press")) {
                return menus.incrementAndGet() == 1 ? "200 result=49 endpos=100" : "200 result=50 endpos=100";  // '1', then '2'
            }
            return AsteriskSimulator.defaultAgiReply(cmd);
        });
        ami.connect();
        AsyncIvr.serve(ami, new IvrApp(() -> 42));
        String chan = sim.startAsyncAgi("15550001111", "700", "ivr", "4321");
        await().untilAsserted(() -> assertThat(agiCommands()).last().isEqualTo("HANGUP"));
        assertThat(agiCommands()).containsSubsequence("ANSWER", "GET DATA agent-pass 5000 4", "STREAM FILE auth-thankyou \"\"",
                "SAY NUMBER 42 \"12\"", "STREAM FILE vm-goodbye \"\"", "HANGUP");
        assertThat(sim.actions()).filteredOn(a -> "AGI".equals(a.action())).allSatisfy(a -> {
            assertThat(a.get("Channel")).isEqualTo(chan);
            assertThat(a.get("CommandID")).isNotBlank();
        });
    }

    @Test
    void orighelloOriginatesAndGreets() throws Exception {
        ami.connect();
        assertThat(OrigHello.call(ami, "Local/600@default", Duration.ofSeconds(20), out)).isTrue();
        assertThat(agiCommands()).containsExactly("ANSWER", "STREAM FILE hello-world \"\"", "HANGUP");
        assertThat(sim.actions()).filteredOn(a -> "Originate".equals(a.action())).singleElement().satisfies(a -> {
            assertThat(a.get("Application")).isEqualTo("AGI");
            assertThat(a.get("Data")).isEqualTo("agi:async,orighello");
            assertThat(a.get("Async")).isEqualTo("true");
        });
        assertThat(output()).contains("answered (Local/600@default-").contains("said hello to Local/600@default-");
    }

    @Test
    void orighelloReportsAFailedCall() throws Exception {
        ami.connect();
        assertThat(OrigHello.call(ami, "Local/nosuchexten@default", Duration.ofSeconds(20), out)).isFalse();
        assertThat(output()).contains("not answered: failed");
    }
}
