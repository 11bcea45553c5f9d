package org.tinyphone.agi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.Transcript;

/** The environment blocks of captures 01 (FastAGI) and 04a (process AGI). */
class AgiEnvironmentTest {

    private static List<String> envLines(String capture) {
        List<String> all = Transcript.load(capture).lines(Transcript.Dir.ASTERISK);
        return all.subList(0, all.indexOf(""));
    }

    @Test
    void fastAgiEnvironmentOfCapture01() {
        AgiEnvironment env = AgiEnvironment.parse(envLines("01-fastagi-environment.txt"));
        assertThat(env.network()).isTrue();
        assertThat(env.scriptPath()).isEqualTo("/path");
        assertThat(env.query()).containsExactly(java.util.Map.entry("x", "1"), java.util.Map.entry("y", "2"));
        assertThat(env.request()).isEqualTo("agi://127.0.0.1:4573/path?x=1&y=2");
        assertThat(env.channel()).isEqualTo("Local/env@agi-test-00000000;2");
        assertThat(env.uniqueId()).isEqualTo("1795446921.1");
        assertThat(env.callerId()).isEqualTo("15550001111");
        assertThat(env.callerIdName()).isEqualTo("Carol");
        assertThat(env.dnid()).isEqualTo("13605162099");
        assertThat(env.rdnis()).isEmpty(); // "unknown"
        assertThat(env.get("rdnis")).isEqualTo("unknown");
        assertThat(env.get("agi_accountcode")).isEmpty();
        assertThat(env.enhanced()).isFalse();
        assertThat(env.version()).isEqualTo("22.10.1");
        assertThat(env.context()).isEqualTo("agi-test");
        assertThat(env.extension()).isEqualTo("env");
        assertThat(env.priority()).isEqualTo("4");
        assertThat(env.args()).containsExactly("arg one", "arg2");
        assertThat(env.asMap()).hasSize(24).containsKey("agi_threadid");
        assertThat(env.asMap().keySet()).first().isEqualTo("agi_network");
    }

    @Test
    void processAgiEnvironmentOfCapture04a() {
        AgiEnvironment env = AgiEnvironment.parse(envLines("04a-process-agi.txt"));
        assertThat(env.network()).isFalse();
        assertThat(env.scriptPath()).isEqualTo("proc_agi.py");
        assertThat(env.query()).isEmpty();
        assertThat(env.args()).containsExactly("arg one", "arg2");
        assertThat(env.callerIdName()).isEqualTo("Carol");
    }

    @Test
    void eagiIsEnhanced() {
        assertThat(AgiEnvironment.parse("agi_request: eagi_probe.py\nagi_enhanced: 1.0\n\n").enhanced()).isTrue();
    }

    @Test
    void argumentsSortNumericallyAndQueryIsDecoded() {
        StringBuilder b = new StringBuilder("agi_network: yes\nagi_network_script: /ivr/menu?lang=en&name=J%C3%BCrgen+X&flag\n");
        for (int i = 12; i >= 1; i--) b.append("agi_arg_").append(i).append(": a").append(i).append('\n');
        AgiEnvironment env = AgiEnvironment.parse(b.toString());
        assertThat(env.args()).hasSize(12).startsWith("a1", "a2").endsWith("a10", "a11", "a12");
        assertThat(env.scriptPath()).isEqualTo("/ivr/menu");
        assertThat(env.query()).containsEntry("lang", "en").containsEntry("name", "Jürgen X").containsEntry("flag", "");
    }

    @Test
    void scriptPathFromRequestWhenNoNetworkScript() {
        assertThat(AgiEnvironment.parse("agi_request: agi://10.0.0.1/hello?x=1\n").scriptPath()).isEqualTo("/hello");
        assertThat(AgiEnvironment.parse("agi_request: async\n").scriptPath()).isEqualTo("async");
    }

    @Test
    void malformedLinesAreRejected() {
        assertThatThrownBy(() -> AgiEnvironment.parse("GET / HTTP/1.1\n")).isInstanceOf(AgiProtocolException.class)
                .hasMessageContaining("GET / HTTP/1.1");
        assertThatThrownBy(() -> AgiEnvironment.parse("agi_channel\n")).isInstanceOf(AgiProtocolException.class);
        assertThatThrownBy(() -> AgiEnvironment.parse("\n")).isInstanceOf(AgiProtocolException.class);
        assertThatThrownBy(() -> AgiEnvironment.parse("agi_arg_x: 1\n")).isInstanceOf(AgiProtocolException.class);
    }
}
