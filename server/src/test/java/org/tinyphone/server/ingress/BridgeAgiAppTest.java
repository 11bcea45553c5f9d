package org.tinyphone.server.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.testkit.Transcript;

/** How the bridge app reads a call from Asterisk's AGI environment. */
class BridgeAgiAppTest {

    @Test
    void theCapturedFastAgiEnvironmentGivesCallerDialedNumberAndArgs() throws Exception {
        // capture 01: AGI(agi://127.0.0.1:4573/path?x=1&y=2,arg one,arg2) with CALLERID(dnid) and the caller set
        AgiEnvironment env = AgiEnvironment.parse(Transcript.load("01-fastagi-environment.txt")
                .lines(Transcript.Dir.ASTERISK));
        CallInfo info = BridgeAgiApp.callInfo(env, "fastagi");
        assertThat(info.callId()).isEqualTo("1795446921.1");
        assertThat(info.callerId()).isEqualTo("15550001111");
        assertThat(info.callerName()).isEqualTo("Carol");
        assertThat(info.dnid()).isEqualTo("13605162099");
        assertThat(info.args()).containsExactly("arg one", "arg2");
        assertThat(info.channel()).isEqualTo("Local/env@agi-test-00000000;2");
        assertThat(info.via()).isEqualTo("fastagi");
    }

    @Test
    void withoutADnidTheExtensionIsTheNumberAndANumberParameterWinsOverBoth() {
        AgiEnvironment noDnid = AgiEnvironment.parse("""
                agi_network: yes
                agi_network_script: tinyphone
                agi_request: agi://127.0.0.1:4573/tinyphone
                agi_channel: PJSIP/provider-00000007
                agi_uniqueid: 1795447015.5
                agi_callerid: unknown
                agi_calleridname: unknown
                agi_dnid: unknown
                agi_extension: 700

                """);
        CallInfo info = BridgeAgiApp.callInfo(noDnid, "fastagi");
        assertThat(info.dnid()).isEqualTo("700");
        assertThat(info.callerId()).isEmpty();
        assertThat(info.callerName()).isEmpty();

        AgiEnvironment withParameter = AgiEnvironment.parse("""
                agi_network: yes
                agi_network_script: tinyphone?number=13605162099
                agi_request: agi://127.0.0.1:4573/tinyphone?number=13605162099
                agi_uniqueid: 1795447015.6
                agi_dnid: 18005550100
                agi_extension: s

                """);
        assertThat(BridgeAgiApp.callInfo(withParameter, "fastagi").dnid()).isEqualTo("13605162099");
    }
}
