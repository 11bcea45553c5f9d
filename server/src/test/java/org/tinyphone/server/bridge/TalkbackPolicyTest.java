package org.tinyphone.server.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What an app may ask of its call: sound names, plain variables, numbers — nothing that reaches past the call. */
class TalkbackPolicyTest {
    private final TalkbackPolicy policy = TalkbackPolicy.DEFAULT;

    private String play(String file) { return policy.refusal(new CallCommand.Play(file, "#")); }

    private String set(String name) { return policy.refusal(new CallCommand.SetVariable(name, "v")); }

    @ParameterizedTest
    @ValueSource(strings = {"hello-world", "digits/5", "custom/welcome", "vm-intro", "beep", "silence/1", "en/tt-monkeys"})
    void soundNamesInsideAsterisksSoundsMayBePlayed(String file) {
        assertThat(play(file)).isNull();
        assertThat(policy.refusal(new CallCommand.CollectDigits(file, 4, Duration.ofSeconds(5)))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/var/spool/asterisk/voicemail/default/1234/INBOX/msg0000", "../../voicemail/x",
            "custom/../../../../etc/passwd", "./hello", "hello-world.gsm", "http://attacker/x", "hello world",
            "digits//5", "/", "a\\b", "${FILE(/etc/passwd)}", "C:\\\\x", "hello-world&beep", "~/x"})
    void paths_urls_and_dots_are_refused(String file) {
        assertThat(play(file)).isNotNull().contains("file");
        assertThat(policy.refusal(new CallCommand.CollectDigits(file, 4, Duration.ofSeconds(5)))).contains("prompt");
    }

    @Test
    void anOperatorMayAllowAbsolutePathsUnderNamedDirectoriesOnly() {
        TalkbackPolicy p = new TalkbackPolicy(Set.of(), List.of(Path.of("/var/lib/tinyphone/sounds")));
        assertThat(p.refusal(new CallCommand.Play("/var/lib/tinyphone/sounds/welcome", ""))).isNull();
        assertThat(p.refusal(new CallCommand.Play("/var/lib/tinyphone/sounds/en/welcome", ""))).isNull();
        assertThat(p.refusal(new CallCommand.Play("/var/lib/tinyphone/sounds/../../../spool/asterisk/x", ""))).isNotNull();
        assertThat(p.refusal(new CallCommand.Play("/var/lib/tinyphone/soundsX/welcome", ""))).isNotNull();
        assertThat(p.refusal(new CallCommand.Play("/var/spool/asterisk/voicemail/x", ""))).contains("talkback.sound-dirs");
    }

    @ParameterizedTest
    @ValueSource(strings = {"COLOR", "choice", "_INHERITED", "__ALWAYS", "SCORE_2"})
    void plainChannelVariablesMayBeSet(String name) {
        assertThat(set(name)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"FILE(/tmp/pwned)", "DB(family/key)", "SHELL(id)", "CALLERID(name)", "file(/x)",
            "DB_DELETE(a/b)", "ODBC_X(1)", "X Y", "1ABC", "A=B", "${X}", "A(B", "___X", "X-Y", "A.B"})
    void dialplanFunctionsAndAnythingButANameAreRefused(String name) {
        assertThat(set(name)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"AGISIGHUP", "AGIEXITONHANGUP", "TINYPHONE_UUID", "TOUCH_MIXMONITOR", "MONITOR_EXEC",
            "MIXMONITOR_FILENAME", "DYNAMIC_FEATURES", "TRANSFER_CONTEXT", "__TRANSFER_CONTEXT", "FORWARD_CONTEXT",
            "OUTBOUND_GROUP_ONCE", "LIMIT_PLAYAUDIO_CALLER", "tinyphone_uuid"})
    void variables_that_steer_asterisk_or_tinyphone_are_reserved(String name) {
        assertThat(set(name)).contains("reserved");
    }

    @Test
    void anOperatorMayAllowADialplanFunctionByName() {
        TalkbackPolicy p = new TalkbackPolicy(Set.of("callerid", "CDR"), List.of());
        assertThat(p.refusal(new CallCommand.SetVariable("CALLERID(name)", "Carol"))).isNull();
        assertThat(p.refusal(new CallCommand.SetVariable("CDR(userfield)", "x"))).isNull();
        assertThat(p.refusal(new CallCommand.SetVariable("FILE(/tmp/x)", "x"))).contains("talkback.functions=FILE");
        assertThat(p.refusal(new CallCommand.SetVariable("CALLERID(${SHELL(id)})", "x"))).isNotNull();
    }

    @Test
    void numbersAndDigitsAreCheckedWhenTheCommandIsMade() {
        assertThatThrownBy(() -> new CallCommand.SayNumber(1L << 40)).hasMessageContaining("between");
        assertThatThrownBy(() -> new CallCommand.SayDigits("12a")).hasMessageContaining("0-9");
        assertThatThrownBy(() -> new CallCommand.SayDigits("1".repeat(65))).hasMessageContaining("longer");
        assertThatThrownBy(() -> new CallCommand.Play("x", "12345678901234")).hasMessageContaining("at most 12");
        assertThatThrownBy(() -> new CallCommand.Play("x", "1a")).hasMessageContaining("0-9 * #");
        assertThatThrownBy(() -> new CallCommand.SetVariable("X", "a\nSET VARIABLE FILE(/x) y"))
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> new CallCommand.SetVariable("X", "v".repeat(2000))).hasMessageContaining("longer");
        assertThat(new CallCommand.SayNumber(-42).number()).isEqualTo(-42);
    }
}
