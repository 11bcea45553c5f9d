package org.tinyphone.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.bench.harness.ServerJar;

/**
 * The soak harness itself, for 15 s of load against the real server built in server/target (the bench's reactor
 * builds it first: {@code mvn -P bench -pl bench -am verify}). Whether RSS, descriptors and threads stay flat takes
 * minutes to tell (./tinyphone bench soak); here every other check must hold.
 */
class SoakCaseTest {
    @Test
    void aShortSoakDeliversEveryEventRefusesEveryAttackAndWritesItsTable(@TempDir Path dir) throws Exception {
        SoakCase.Settings settings = SoakCase.Settings.parse(List.of("--seconds", "15", "--rate", "3", "--seed", "7")).quickCheck();

        SoakCase.Result r = new SoakCase(settings).run(ServerJar.snapshot("soak-test-server"), dir.resolve("logs"), dir, false);

        assertThat(r.callsCompleted()).isGreaterThan(20);
        assertThat(r.expectedDeliveredByClient()).containsOnlyKeys("legacy-a", "legacy-b", "tcp", "ws", "java", "ws-all");
        r.expectedDeliveredByClient().forEach((client, ed) -> {
            assertThat(ed[0]).as(client + " expected events").isPositive();
            assertThat(ed[1]).as(client + " delivered events").isEqualTo(ed[0]);
        });
        assertThat(r.commandsAnswered()).isPositive();
        assertThat(r.maliciousRefused()).isGreaterThan(40);
        assertThat(r.maliciousUnexpected()).isZero();
        assertThat(r.slowCycles()).isPositive();
        assertThat(r.failures()).as("only the flatness checks may not hold after seconds")
                .allMatch(f -> f.contains("not flat") || f.contains("idle after"));
        List<String> table = Files.readAllLines(r.tableFile());
        assertThat(table).anySatisfy(l -> assertThat(l).startsWith("| RSS |"))
                .anySatisfy(l -> assertThat(l).startsWith("| descriptors |"))
                .anySatisfy(l -> assertThat(l).startsWith("| threads |"))
                .anySatisfy(l -> assertThat(l).startsWith("| tcp | tcp |"))
                .anySatisfy(l -> assertThat(l).startsWith("verdict: "));
    }
}
