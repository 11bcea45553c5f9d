package org.tinyphone.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

/** {@code ./tinyphone examples ami NAME}: the AMI examples from the command line, their output alone on the terminal. */
class ExamplesCommandTest {

    @Test
    void anAmiExamplePrintsItsOwnLinesWithoutTheLibrarysLogLinesBetweenThem(@TempDir Path dir) throws Exception {
        AsteriskSimulator sim = new AsteriskSimulator("admin", "s3cret");
        try (FakeAmiServer asterisk = FakeAmiServer.start(sim);
             CliChild watch = CliChild.start(dir, Map.of(), "examples", "ami", "amiwatch", "--port",
                     String.valueOf(asterisk.port()), "--user", "admin", "--secret", "s3cret")) {
            watch.awaitOut("-- LOGGED_IN");
            sim.emit("Event: Newchannel", "Channel: PJSIP/100-00000001", "Uniqueid: 1.1", "CallerIDNum: 100");
            watch.awaitOut("Newchannel Channel=PJSIP/100-00000001 Uniqueid=1.1 CallerIDNum=100");
            asterisk.restart();
            await().atMost(Duration.ofSeconds(30)).until(() -> sim.logins() == 2);
            watch.awaitOut("-- LOST");
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.out().lines().filter(l -> l.startsWith("-- LOGGED_IN")).count() == 2);
            // the library logs "AMI logged in" and "reconnected" at INFO, its states at DEBUG: left out, the example
            // says them itself; a warning (the loss) still goes to stderr
            assertThat(watch.out().lines()).allMatch(l -> l.matches("-- [A-Z_]+.*|[A-Za-z]+ [A-Za-z]+=.*"),
                    "a state or an event, as the example prints them");
            assertThat(watch.out() + watch.err()).doesNotContainPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(INFO|DEBUG|TRACE)");

            watch.signal("TERM"); // the watch goes on until stopped: it says so, exit 0
            assertThat(watch.exitCode()).as(watch.toString()).isZero();
            // (the example's own "-- CLOSED" comes from the connection's listener thread, before or after this line)
            assertThat(watch.out().lines()).contains("tinyphone examples ami stopped (SIGTERM)");
        }
    }
}
