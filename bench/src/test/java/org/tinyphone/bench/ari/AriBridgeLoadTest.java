package org.tinyphone.bench.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.bench.agi.FastAgiCase;
import org.tinyphone.bench.harness.ServerJar;
import org.tinyphone.bench.soak.SoakServer;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;

/**
 * ari-bridge's load and its checks against the real server built in server/target (the bench's reactor builds it
 * first), with a few calls: every call is announced, its keys arrive in order, it gets one hangup, and no channel is
 * left in Stasis.
 */
class AriBridgeLoadTest {
    @Test
    void everyStasisCallReachesTheWatchingAppWithItsKeysAndOneHangup(@TempDir Path dir) throws Exception {
        try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user(AriBridgeLoad.USER, AriBridgeLoad.PASSWORD).start();
             SoakServer server = SoakServer.start(ServerJar.snapshot("ari-bridge-test-server"), List.of("-XX:+UseSerialGC"),
                     List.of("ari.enabled=true", "ari.url=" + sim.url(), "ari.user=" + AriBridgeLoad.USER,
                             "ari.password=" + AriBridgeLoad.PASSWORD), dir, "ari-bridge-test")) {
            Map<String, Long> r = FastAgiCase.parse(AriBridgeLoad.run(sim, 10, server.port("clients"), Duration.ofSeconds(4)));

            assertThat(r).containsEntry("calls", 10L).containsEntry("complete", 10L).containsEntry("allHungUp", 1L);
            for (String error : List.of("failed", "endedByServer", "missingNewCaller", "lateNewCaller", "wrongKeys", "missingHangup",
                    "duplicateHangups", "unknownEvents", "leftInStasis")) {
                assertThat(r).as(error).containsEntry(error, 0L);
            }
            assertThat(r.get("maxInStasis")).isGreaterThanOrEqualTo(10);
            assertThat(r.get("allAnnouncedMs")).isPositive().isLessThan(4000);
        }
    }
}
