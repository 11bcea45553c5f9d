package org.tinyphone.sim.agi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.Transcript;

class AgiArgsTest {

    @Test
    void splitsLikeAsterisk() {
        assertThat(AgiArgs.parse("SET VARIABLE QUOTED \"a \\\"quoted\\\" value  with   spaces\""))
                .containsExactly("SET", "VARIABLE", "QUOTED", "a \"quoted\" value  with   spaces");
        assertThat(AgiArgs.parse("SAY NUMBER 1234 \"\"")).containsExactly("SAY", "NUMBER", "1234", "");
        assertThat(AgiArgs.parse("SET VARIABLE UNQUOTED two words")).hasSize(5);
        assertThat(AgiArgs.parse("SET CALLERID \"\\\"Dave\\\" <15550002222>\""))
                .containsExactly("SET", "CALLERID", "\"Dave\" <15550002222>");
        assertThat(AgiArgs.parse("NOOP")).containsExactly("NOOP");
    }

    @Test
    void environmentHasTheKeysOfCapture01InOrder() {
        List<String> captured = Transcript.load("01-fastagi-environment.txt").lines(Transcript.Dir.ASTERISK);
        List<String> keys = captured.subList(0, captured.indexOf("")).stream().map(l -> l.substring(0, l.indexOf(':'))).toList();
        List<String> ours = FastAgiEnvironment.forScript("path?x=1&y=2").args("arg one", "arg2").lines().stream()
                .map(l -> l.substring(0, l.indexOf(':'))).toList();
        assertThat(ours).isEqualTo(keys);
        assertThat(FastAgiEnvironment.forScript("/hello").lines()).contains("agi_network_script: hello",
                "agi_request: agi://127.0.0.1:4573/hello", "agi_accountcode: ");
    }
}
