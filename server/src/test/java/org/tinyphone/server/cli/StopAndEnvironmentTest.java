package org.tinyphone.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

/**
 * What only a process of its own shows: Ctrl-C and SIGTERM end the server, the demo, the examples and an AMI watch
 * with a word and exit 0, and
 * the environment's {@code TINYPHONE_*} variables are read as strictly as the config file.
 */
class StopAndEnvironmentTest {

    /** Every listener on loopback and any free port, as --set options. */
    private static List<String> anyFreePorts(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command));
        for (String l : TinyphoneConfig.LISTENERS) args.addAll(List.of("--set", l + ".port=0", "--set", l + ".bind=127.0.0.1"));
        args.addAll(List.of(more));
        return args;
    }

    /** Whether this JVM ignores SIGINT (a background job of a non-interactive shell): its children do too. */
    private static boolean sigintIgnored() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0b10) != 0;
        }
        return false;
    }

    @Test
    void sigtermStopsTheServerWithAWordAndExitZero(@TempDir Path dir) throws Exception {
        try (CliChild server = CliChild.start(dir, Map.of(), anyFreePorts("server").toArray(String[]::new))) {
            server.awaitOut("Ctrl-C stops it.");
            server.signal("TERM");
            assertThat(server.exitCode()).as(server.toString()).isZero();
            assertThat(server.out()).endsWith("Ctrl-C stops it.\ntinyphone server stopped (SIGTERM)\n");
        }
    }

    @Test
    void ctrlCStopsTheServerAndTheDemoWithAWordAndExitZero(@TempDir Path dir) throws Exception {
        Assumptions.assumeFalse(sigintIgnored(), "this test JVM ignores SIGINT (started in the background), so would "
                + "its children: Ctrl-C cannot be sent");
        try (CliChild server = CliChild.start(dir, Map.of(), anyFreePorts("server").toArray(String[]::new))) {
            server.awaitOut("Ctrl-C stops it.");
            server.signal("INT");
            assertThat(server.exitCode()).as(server.toString()).isZero();
            assertThat(server.out()).endsWith("tinyphone server stopped (Ctrl-C)\n");
        }
        try (CliChild demo = CliChild.start(dir, Map.of(),
                anyFreePorts("demo", "--skip-protocol", "--every", "1").toArray(String[]::new))) {
            demo.awaitOut("Ctrl-C stops.");
            int loggedBefore = demo.err().length();
            demo.awaitOut("  call ");   // a call's summary line
            // after its banner, the demo's own lines only: no log line about each call between the summaries
            String logged = demo.err().substring(loggedBefore);
            demo.signal("INT");
            assertThat(demo.exitCode()).as(demo.toString()).isZero();
            assertThat(demo.out()).endsWith("tinyphone demo stopped (Ctrl-C)\n")
                    .containsPattern("\\n  call \\S+ +\\w+ +from ");
            assertThat(logged).doesNotContain(" INFO ");
        }
    }

    @Test
    void sigtermStopsTheExamplesAndAnAmiWatchWithAWordAndExitZero(@TempDir Path dir) throws Exception {
        try (CliChild examples = CliChild.start(dir, Map.of(), "examples", "--port", "0")) {
            examples.awaitOut("Ctrl-C stops it.");
            examples.signal("TERM");
            assertThat(examples.exitCode()).as(examples.toString()).isZero();
            assertThat(examples.out()).endsWith("Ctrl-C stops it.\ntinyphone examples stopped (SIGTERM)\n");
        }
        try (CliChild streams = CliChild.start(dir, Map.of(), "examples", "streams", "--port", "0", "--dir",
                dir.resolve("recordings").toString())) {
            streams.awaitOut("Ctrl-C stops it.");
            streams.signal("TERM");
            assertThat(streams.exitCode()).as(streams.toString()).isZero();
            assertThat(streams.out()).endsWith("Ctrl-C stops it.\ntinyphone examples streams stopped (SIGTERM)\n");
        }
        AsteriskSimulator sim = new AsteriskSimulator("admin", "s3cret");
        try (FakeAmiServer asterisk = FakeAmiServer.start(sim);
             CliChild watch = CliChild.start(dir, Map.of(), "ami", "--port", String.valueOf(asterisk.port()), "--user",
                     "admin", "--secret", "s3cret", "--events")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> sim.loggedInCount() == 1);
            sim.emit("Event: Newchannel", "Channel: PJSIP/100-00000001", "Uniqueid: 1.1");
            watch.awaitOut("\"Event\":\"Newchannel\"");
            watch.signal("TERM");
            assertThat(watch.exitCode()).as(watch.toString()).isZero();
            // the stop is said on stderr: stdout stays JSON lines only
            assertThat(watch.err()).isEqualTo("tinyphone ami stopped (SIGTERM)\n");
            assertThat(watch.out().lines()).isNotEmpty().allMatch(l -> l.startsWith("{\"") && l.endsWith("}"));
            await().atMost(Duration.ofSeconds(60)).until(() -> sim.actions().stream().anyMatch(a -> a.action().equals("Logoff")));
        }
    }

    @Test
    void aTypoInATinyphoneVariableIsAnErrorAsInTheFileWhileTheOtherTinyphoneVariablesAreNot(@TempDir Path dir)
            throws Exception {
        try (CliChild c = CliChild.run(dir, Map.of("TINYPHONE_HTTP_PROT", "1"), "server", "--print-config")) {
            assertThat(c.exitCode()).isEqualTo(2);
            assertThat(c.err()).isEqualTo("tinyphone server: unknown environment variable TINYPHONE_HTTP_PROT: did you "
                    + "mean TINYPHONE_HTTP_PORT? Every setting's variable is listed in docs/config.md and by --print-config; "
                    + "the other TINYPHONE_ variables (launcher, bin/tinyphone-agi) are listed there too.\n");
            assertThat(c.out()).isEmpty();
        }
        try (CliChild c = CliChild.run(dir, Map.of("TINYPHONE_HTTP_PORT", "8080", "TINYPHONE_JAVA_OPTS", "-Xmx64m",
                "TINYPHONE_RELAY_CONNECT_MS", "500", "TINYPHONE_TOKEN_13605162099", "s3cret"), "server", "--print-config")) {
            assertThat(c.exitCode()).as(c.toString()).isZero();
            assertThat(c.out()).contains("http.port=8080", "# env TINYPHONE_HTTP_PORT", "token.13605162099=(set)");
        }
    }
}
