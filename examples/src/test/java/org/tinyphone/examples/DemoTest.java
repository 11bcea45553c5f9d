package org.tinyphone.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DemoTest {

    @Test
    @Timeout(60)
    void demoDrivesTheHelloCallAndPrintsTheExchange() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        boolean ok = Demo.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(ok).as(out).isTrue();
        assertThat(out).contains("  Asterisk -> app   agi_network: yes", "  Asterisk -> app   agi_network_script: hello",
                "  app -> Asterisk   ANSWER", "  app -> Asterisk   STREAM FILE tt-monkeys \"#\"",
                "  Asterisk -> app   200 result=35 endpos=6880", "  app -> Asterisk   HANGUP", "AGISTATUS=HANGUP");
    }

    @Test
    void examplesServerRejectsBadArguments() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(ExamplesServer.run(new String[] {"--port", "x"}, e, e)).isEqualTo(2);
        assertThat(ExamplesServer.run(new String[] {"--nope"}, e, e)).isEqualTo(2);
        assertThat(ExamplesServer.run(new String[] {"--help"}, e, e)).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--port must be a number: x", "unknown argument: --nope",
                "usage: tinyphone examples");
    }
}
