package org.tinyphone.server.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.config.TinyphoneConfig;

/** `./tinyphone demo`: the server plus simulated calls over every way in, and the page's URL. */
class DemoAndSimulateTest {

    @Test
    void theDemoStartsTheServerPrintsThePageAndPlacesCallsOverEveryWayIn() throws Exception {
        // ari.enabled stays false: the demo connects the server to a simulated ARI Asterisk of its own
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TinyphoneConfig config = TinyphoneConfig.defaults().with(Map.of("relay.port", "0", "clients.port", "0",
                "clients.bind", "127.0.0.1", "http.port", "0", "http.bind", "127.0.0.1", "fastagi.port", "0",
                "audiosocket.port", "0", "sms.port", "0"));
        int code = DemoRunner.run(config, Duration.ofMillis(300), 5, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(code).isZero();
        assertThat(out).containsPattern("http://127\\.0\\.0\\.1:\\d+/\\?number=13605162099");
        for (String via : new String[] {"relay", "fastagi", "ari", "audiosocket", "legacy"}) {
            assertThat(out).containsPattern("call \\S+ +" + via + " +from 1555\\d{7} \\(\\w+\\): keys [0-9*#]+");
        }
        assertThat(out).doesNotContain("failed");
    }
}
