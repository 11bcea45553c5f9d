package org.tinyphone.ami.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.ami.codec.AmiMessage;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

class AmiToolTest {
    private final AsteriskSimulator sim = new AsteriskSimulator("admin", "s3cret");
    private FakeAmiServer server;
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws Exception { server = FakeAmiServer.start(sim); }

    @AfterEach
    void stop() { server.close(); }

    private int run(String... lines) {
        String[] base = {"--host", "127.0.0.1", "--port", Integer.toString(server.port()), "--user", "admin", "--secret", "s3cret"};
        String[] all = new String[base.length + lines.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(lines, 0, all, base.length, lines.length);
        return AmiTool.run(all, out, err);
    }

    private List<String> outLines() { return outBytes.toString(StandardCharsets.UTF_8).lines().toList(); }

    @Test
    void pingPrintsTheResponseAsOneJsonLine() {
        assertThat(run("Action: Ping")).isZero();
        assertThat(outLines()).singleElement().asString()
                .startsWith("{\"Response\":\"Success\",\"ActionID\":\"").contains("\"Ping\":\"Pong\"");
        assertThat(sim.actions()).extracting(a -> a.action()).startsWith("Login", "Ping");
        assertThat(sim.actions().get(0).get("Events")).isEqualTo("off");
    }

    @Test
    void commandOutputIsAnArrayOrPlainLines() {
        assertThat(run("Action: Command", "Command: core show version")).isZero();
        assertThat(outLines().get(0)).contains("\"Output\":\"Asterisk 22.10.1 built by root");
        sim.newChannel("PJSIP/100-00000001", "100", "A", "s");
        outBytes.reset();
        assertThat(run("Action: Command", "Command: core show channels")).isZero();
        assertThat(outLines().get(0)).contains("\"Output\":[\"Channel ").contains("\"1 active channels\"]");
        outBytes.reset();
        assertThat(run("Action: Command", "Command: core show channels", "--output")).isZero();
        assertThat(outLines()).hasSize(3).last().isEqualTo("1 active channels");
    }

    @Test
    void eventListsPrintTheResponseThenEachEvent() {
        sim.newChannel("PJSIP/100-00000001", "100", "A", "s");
        sim.newChannel("PJSIP/200-00000002", "200", "B", "s");
        assertThat(run("Action: CoreShowChannels")).isZero();
        assertThat(outLines()).hasSize(4);
        assertThat(outLines().get(1)).startsWith("{\"Event\":\"CoreShowChannel\"");
        assertThat(outLines().get(3)).contains("\"EventList\":\"Complete\"", "\"ListItems\":\"2\"");
    }

    @Test
    void errorResponseExitsOneAndBadLoginExitsThree() {
        assertThat(run("Action: NoSuchAction")).isEqualTo(1);
        assertThat(outLines().get(0)).contains("\"Response\":\"Error\"");
        assertThat(AmiTool.run(new String[] {"--port", Integer.toString(server.port()), "--user", "admin", "--secret", "x",
                "Action: Ping"}, out, err)).isEqualTo(3);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("refused login as 'admin'");
    }

    @Test
    void usageErrorsSayTinyphoneAmiAndWhereTheOptionsAreTold() {
        assertThat(AmiTool.run(new String[] {"--bogus"}, out, err)).isEqualTo(2);
        assertThat(errBytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("tinyphone ami: unknown option --bogus\n./tinyphone ami --help tells its options.\n");
        assertThat(AmiTool.run(new String[] {"--timeout", "0", "Action: Ping"}, out, err)).isEqualTo(2);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("tinyphone ami: --timeout '0': give seconds, 0.1 to 3600");
        assertThat(AmiTool.run(new String[] {"--help"}, out, err)).isZero();
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).startsWith("usage: tinyphone ami ");
    }

    @Test
    void usageErrors() {
        assertThat(AmiTool.run(new String[] {"Ping"}, out, err)).isEqualTo(2);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("not a 'Key: Value' line: Ping");
        assertThat(AmiTool.run(new String[] {"Command: x"}, out, err)).isEqualTo(2);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("first line must be 'Action: Name'");
        assertThat(AmiTool.run(new String[] {}, out, err)).isEqualTo(2);
        assertThat(AmiTool.run(new String[] {"--bogus"}, out, err)).isEqualTo(2);
        assertThat(AmiTool.run(new String[] {"--help"}, out, err)).isZero();
    }

    @Test
    void eventsKeepWatchingAcrossAnAsteriskRestartSayingLostAndBackUntilStopped() throws Exception {
        CompletableFuture<Integer> rc = new CompletableFuture<>();
        Thread watcher = Thread.ofVirtual().start(() -> rc.complete(run("--events")));
        await().until(() -> sim.logins() == 1 && sim.loggedInCount() == 1);
        sim.emit("Event: Newchannel", "Channel: PJSIP/1-1", "Uniqueid: 9.1", "CallerIDName: \"Q\" \\ x");
        await().untilAsserted(() -> assertThat(String.join("\n", outLines())).contains(
                "{\"Event\":\"Newchannel\",\"Channel\":\"PJSIP/1-1\",\"Uniqueid\":\"9.1\",\"CallerIDName\":\"\\\"Q\\\" \\\\ x\"}"));

        server.restart(); // Asterisk restarts: the connection drops, the port listens again
        await().atMost(30, TimeUnit.SECONDS).until(() -> sim.logins() == 2 && sim.loggedInCount() == 1);
        await().untilAsserted(() -> assertThat(errBytes.toString(StandardCharsets.UTF_8)).isEqualTo(
                "tinyphone ami: lost the connection to Asterisk at 127.0.0.1:" + server.port()
                        + "; reconnecting until it is back (Ctrl-C stops)\n"
                        + "tinyphone ami: back: logged in to 127.0.0.1:" + server.port()
                        + " again (Asterisk Call Manager/11.0.0); events go on\n"));
        assertThat(rc).isNotDone();
        // the new session asked for events again, and they are printed as before
        assertThat(sim.actions()).filteredOn(a -> a.action().equals("Login")).hasSize(2)
                .allSatisfy(login -> assertThat(login.get("Events")).isEqualTo("on"));
        sim.emit("Event: Hangup", "Channel: PJSIP/1-1", "Uniqueid: 9.1", "Cause: 16");
        await().untilAsserted(() -> assertThat(outLines()).last().asString()
                .isEqualTo("{\"Event\":\"Hangup\",\"Channel\":\"PJSIP/1-1\",\"Uniqueid\":\"9.1\",\"Cause\":\"16\"}"));

        watcher.interrupt(); // Ctrl-C: the command line interrupts the watch, a requested stop
        assertThat(rc.get(20, TimeUnit.SECONDS)).isZero();
        await().until(() -> sim.actions().stream().anyMatch(a -> a.action().equals("Logoff")));
    }

    @Test
    void eventsWithNoAsteriskToStartWithIsAConnectionFailure() {
        server.down();
        assertThat(run("--events")).isEqualTo(3);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).startsWith("tinyphone ami: ").contains("127.0.0.1:" + server.port());
    }

    @Test
    void jsonEscapingAndBareLines() {
        AmiMessage m = AmiMessage.of("Event: X", "A: tab\there", "--END--", "B: \u0001");
        assertThat(AmiTool.toJson(m)).isEqualTo("{\"Event\":\"X\",\"A\":\"tab\\there\",\"_lines\":[\"--END--\"],\"B\":\"\\u0001\"}");
    }
}
