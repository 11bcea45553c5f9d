package org.tinyphone.sim.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.agi.AgiArgs;

/** The simulated Asterisk answers as the real one does in the captures (no sockets: lines in, replies out). */
class SimulatedAsteriskTest {

    private static SimulatedCall call(String keys, Duration firstKey, Duration hold) {
        return SimulatedCall.of("13605162099", "15550001111", "Carol", keys).withArgs(List.of("arg one", "arg2"))
                .withTiming(firstKey, Duration.ofMillis(10), hold);
    }

    @Test
    void theEnvironmentHasAsterisk22sKeysInItsOrder() throws Exception {
        SimulatedAsterisk asterisk = new SimulatedAsterisk(call("", Duration.ZERO, Duration.ofSeconds(5)),
                new KeyPad(call("", Duration.ZERO, Duration.ofSeconds(5))));
        Map<String, String> env = asterisk.environment(true, "127.0.0.1", 4573, "path?x=1&y=2");
        List<String> captured = new ArrayList<>();
        for (String line : Transcript.load("01-fastagi-environment.txt").lines(Transcript.Dir.ASTERISK)) {
            if (line.isEmpty()) {
                break;
            }
            captured.add(line.substring(0, line.indexOf(':')));
        }
        assertThat(List.copyOf(env.keySet())).isEqualTo(captured);
        assertThat(env).containsEntry("agi_network_script", "path?x=1&y=2")
                .containsEntry("agi_request", "agi://127.0.0.1:4573/path?x=1&y=2")
                .containsEntry("agi_callerid", "15550001111").containsEntry("agi_calleridname", "Carol")
                .containsEntry("agi_dnid", "13605162099").containsEntry("agi_arg_1", "arg one")
                .containsEntry("agi_enhanced", "0.0");
        assertThat(SimulatedAsterisk.environmentLines(env)).last().isEqualTo("");
        assertThat(asterisk.environment(false, "", 0, "tinyphone-agi")).containsEntry("agi_request", "tinyphone-agi")
                .containsEntry("agi_enhanced", "1.0").doesNotContainKey("agi_network");
    }

    @Test
    void repliesHaveTheCapturedForms() throws Exception {
        SimulatedCall c = call("5", Duration.ZERO, Duration.ofSeconds(30));
        KeyPad keypad = new KeyPad(c);
        SimulatedAsterisk asterisk = new SimulatedAsterisk(c, keypad);
        assertThat(asterisk.answer("CHANNEL STATUS")).isEqualTo("200 result=4");
        assertThat(asterisk.answer("ANSWER")).isEqualTo("200 result=0");
        assertThat(asterisk.answer("CHANNEL STATUS")).isEqualTo("200 result=6");
        assertThat(asterisk.answer("GET VARIABLE NOSUCHVAR")).isEqualTo("200 result=0");
        assertThat(asterisk.answer("SET VARIABLE MYVAR \"some value\"")).isEqualTo("200 result=1");
        assertThat(asterisk.answer("GET VARIABLE MYVAR")).isEqualTo("200 result=1 (some value)");
        assertThat(asterisk.answer("GET FULL VARIABLE \"${MYVAR} on ${CHANNEL}\"")).startsWith("200 result=1 (some value on PJSIP/sim-");
        assertThat(asterisk.answer("WAIT FOR DIGIT 1000")).isEqualTo("200 result=53");   // '5'
        assertThat(asterisk.answer("WAIT FOR DIGIT 50")).isEqualTo("200 result=0");      // timeout
        assertThat(asterisk.answer("STREAM FILE hello-world \"#\"")).matches("200 result=0 endpos=\\d+");
        assertThat(asterisk.answer("FOO BAR")).isEqualTo("510 Invalid or unknown command");
        assertThat(asterisk.answer("HANGUP")).isEqualTo("200 result=1");
        assertThat(asterisk.hungUpByApp()).isTrue();
        // after the hangup: dead-channel-safe commands answer, the others get 511 (capture 03a)
        assertThat(asterisk.answer("NOOP")).isEqualTo("200 result=0");
        assertThat(asterisk.answer("VERBOSE \"after hangup\" 1")).isEqualTo("200 result=1");
        assertThat(asterisk.answer("STREAM FILE beep \"\"")).isEqualTo(SimulatedAsterisk.DEAD_CHANNEL);
        assertThat(asterisk.answer("WAIT FOR DIGIT 100")).isEqualTo(SimulatedAsterisk.DEAD_CHANNEL);
    }

    @Test
    void aKeyInterruptsAPromptOnlyIfItIsAnEscapeDigitAndGetDataCollectsUntilHash() throws Exception {
        SimulatedCall c = call("12#7", Duration.ZERO, Duration.ofSeconds(30));
        KeyPad keypad = new KeyPad(c);
        SimulatedAsterisk asterisk = new SimulatedAsterisk(c, keypad);
        assertThat(asterisk.answer("STREAM FILE hello-world \"0123456789*#\"")).startsWith("200 result=49 endpos=");
        assertThat(asterisk.answer("GET DATA beep 2000 4")).isEqualTo("200 result=2");    // '#' ends, not included
        assertThat(asterisk.answer("SAY DIGITS 123 \"\"")).isEqualTo("200 result=0");     // '7' is dropped, as Asterisk does
        assertThat(keypad.pressed()).isEqualTo("12#7");
    }

    @Test
    void aPromptPlayingWhenTheCallerHangsUpEndsWithMinusOne() throws Exception {
        SimulatedCall c = call("", Duration.ZERO, Duration.ofMillis(100));
        SimulatedAsterisk asterisk = new SimulatedAsterisk(c, new KeyPad(c));
        assertThat(asterisk.answer("STREAM FILE tt-monkeys \"\"")).matches("200 result=-1 endpos=\\d+");   // capture 03d
        assertThat(asterisk.answer("CHANNEL STATUS")).isEqualTo(SimulatedAsterisk.DEAD_CHANNEL);
    }

    @Test
    void commandWordsSplitLikeAsterisksParser() {
        assertThat(AgiArgs.parse("SET VARIABLE QUOTED \"a \\\"quoted\\\" value  with   spaces\""))
                .containsExactly("SET", "VARIABLE", "QUOTED", "a \"quoted\" value  with   spaces");
        assertThat(AgiArgs.parse("STREAM FILE hello-world \"\" 4000"))
                .containsExactly("STREAM", "FILE", "hello-world", "", "4000");
    }
}
