package org.tinyphone.agi.fastagi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.agi.AgiChannel;
import org.tinyphone.agi.AgiCommandException;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.AgiReply;
import org.tinyphone.agi.ChannelState;
import org.tinyphone.agi.DigitResult;
import org.tinyphone.agi.InputResult;
import org.tinyphone.agi.RecordResult;
import org.tinyphone.sim.agi.AgiTranscriptReplay;

/**
 * Conformance: a simulated Asterisk replays the Asterisk side of each FastAGI capture over a real socket against
 * the real server; the app issues the capture's commands through the typed API and asserts the typed results.
 * The replay checks every line the app sends, byte for byte, and that the app ends the session where the
 * capture's script did.
 */
class FastAgiConformanceTest {
    private FastAgiServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close(Duration.ofSeconds(2));
    }

    private void replay(String capture, String route, RecordingApp app) throws Exception {
        server = FastAgiServer.builder().port(0).route(route, app).start();
        AgiTranscriptReplay.Result result = AgiTranscriptReplay.of(capture).againstFastAgi("127.0.0.1", server.port());
        app.assertCompleted();
        result.assertOk();
    }

    @Test
    void capture01Environment() throws Exception {
        AtomicReference<AgiEnvironment> env = new AtomicReference<>();
        replay("01-fastagi-environment.txt", "/path", new RecordingApp(ch -> {
            env.set(ch.environment());
            ch.noop();
        }));
        AgiEnvironment e = env.get();
        assertThat(e.scriptPath()).isEqualTo("/path");
        assertThat(e.query()).isEqualTo(Map.of("x", "1", "y", "2"));
        assertThat(e.args()).containsExactly("arg one", "arg2");
        assertThat(e.callerId()).isEqualTo("15550001111");
        assertThat(e.callerIdName()).isEqualTo("Carol");
        assertThat(e.dnid()).isEqualTo("13605162099");
        assertThat(e.channel()).isEqualTo("Local/env@agi-test-00000000;2");
    }

    @Test
    void capture02_everyCommandThroughTheTypedApi() throws Exception {
        replay("02-fastagi-commands.txt", "/cmds", new RecordingApp(ch -> {
            assertThat(ch.channelStatus()).isEqualTo(ChannelState.RING);
            ch.answer();
            assertThat(ch.channelStatus()).isEqualTo(ChannelState.UP);
            ch.answer();
            assertThat(ch.getVariable("EXISTING")).hasValue("hello world");
            assertThat(ch.getVariable("NOSUCHVAR")).isEmpty();
            ch.setVariable("MYVAR", "some value");
            assertThat(ch.getVariable("MYVAR")).hasValue("some value");
            assertThat(ch.getFullVariable("${MYVAR} on ${CHANNEL}")).hasValue("some value on Local/cmds@agi-test-00000002;2");
            assertThat(ch.getFullVariable("${NOSUCHVAR}")).hasValue("");

            assertThat(ch.streamFile("hello-world", "#")).isEqualTo(new DigitResult(0, 11234));
            DigitResult five = ch.streamFile("hello-world", "0123456789*#");
            assertThat(five.pressed()).isTrue();
            assertThat(five.digit()).isEqualTo('5');
            assertThat(five.endpos()).isEqualTo(6880);
            assertThat(ch.streamFile("hello-world", "", 4000)).isEqualTo(new DigitResult(0, 11234));
            DigitResult missing = ch.streamFile("no-such-sound-file", "#");
            assertThat(missing.failed()).isTrue();
            assertThat(missing.endpos()).isZero();
            DigitResult hash = ch.controlStreamFile("tt-monkeys", "#", 3000, "*", "0", "9");
            assertThat(hash.digit()).isEqualTo('#');
            assertThat(hash.endpos()).isEqualTo(1240);
            assertThat(ch.controlStreamFile("hello-world", "#")).isEqualTo(new DigitResult(0, -1));

            assertThat(ch.sayNumber(1234, "").none()).isTrue();
            assertThat(ch.sayNumber(1234, "#", "f").none()).isTrue();
            assertThat(ch.sayDigits("4567", "").none()).isTrue();
            assertThat(ch.sayAlpha("abc", "").none()).isTrue();
            assertThat(ch.sayPhonetic("ab", "").none()).isTrue();
            assertThat(ch.sayDateTime(1700000000L, "", "IMp", "UTC").none()).isTrue();
            assertThat(ch.sayTime(1700000000L, "").none()).isTrue();

            assertThat(ch.waitForDigit(1000).timedOut()).isTrue();
            assertThat(ch.waitForDigit(3000).digit()).isEqualTo('7');
            assertThat(ch.getData("beep", 5000, 4)).isEqualTo(new InputResult("123", false, false));
            assertThat(ch.getData("beep", 5000, 3)).isEqualTo(new InputResult("987", false, false));
            InputResult timeout = ch.getData("beep", 1500, 4);
            assertThat(timeout.timedOut()).isTrue();
            assertThat(timeout.hasDigits()).isFalse();
            DigitResult option = ch.getOption("hello-world", "1234", 3000);
            assertThat(option.digit()).isEqualTo('4');
            assertThat(option.endpos()).isEqualTo(8160);
            assertThat(ch.getOption("beep", "1234", 1000)).isEqualTo(new DigitResult(0, 3404));

            assertThat(ch.receiveChar(1000).failed()).isTrue(); // "(hangup)" here means: no text support
            assertThat(ch.isHungUp()).isFalse();
            assertThat(ch.receiveText(1000)).isEmpty();
            assertThat(ch.sendText("hello text")).isTrue();
            assertThat(ch.tddMode("on")).isFalse();

            assertThat(ch.databasePut("agitest", "key1", "value one")).isTrue();
            assertThat(ch.databaseGet("agitest", "key1")).hasValue("value one");
            assertThat(ch.databaseDel("agitest", "key1")).isTrue();
            assertThat(ch.databaseGet("agitest", "key1")).isEmpty();
            assertThat(ch.databaseDel("agitest", "key1")).isTrue();
            assertThat(ch.databaseDelTree("agitest")).isTrue();

            assertThat(ch.exec("Playback", "tt-monkeys").ok()).isTrue();
            assertThat(ch.exec("NoSuchApplication", "foo").applicationNotFound()).isTrue();
            assertThat(ch.exec("Verbose", "0,hello from EXEC Verbose").ok()).isTrue();
            assertThat(ch.exec("Set", "MYVAR2=set-by-exec").ok()).isTrue();
            assertThat(ch.getVariable("MYVAR2")).hasValue("set-by-exec");
            ch.verbose("hello from AGI VERBOSE", 1);
            ch.noop();
            assertThat(ch.send("NOOP with some text").resultCode()).isZero(); // raw escape hatch
            ch.setCallerId("\"Dave\" <15550002222>");
            assertThat(ch.getVariable("CALLERID(all)")).hasValue("\"Dave\" <15550002222>");

            assertThat(ch.gosub("agi-sub", "s", "1", "a1", "a2")).isTrue(); // 100 Trying, then 200 Gosub complete
            assertThat(ch.getVariable("GOSUB_RETVAL")).hasValue("sub-returned");
            assertThat(ch.getVariable("GOSUB_SEEN")).hasValue("yes");
            assertThat(ch.gosub("no-such-context", "s", "1")).isFalse();

            RecordResult silent = ch.recordFile("/var/spool/asterisk/agi-rec", "wav", "#", 2000, 0, true, 1);
            assertThat(silent.timedOut()).isTrue();
            assertThat(silent.endpos()).isZero();
            RecordResult keyed = ch.recordFile("/var/spool/asterisk/agi-rec2", "wav", "#", 5000);
            assertThat(keyed.digit()).isEqualTo('#');
            assertThat(keyed.ending()).isEqualTo("dtmf");

            assertThat(ch.speechCreate("nosuchengine")).isFalse();
            assertThat(ch.speechSet("foo", "bar")).isFalse();
            ch.setMusic(true, "default");
            ch.setMusic(false);
            ch.setMusic(true, "nosuchclass");
            ch.setMusic(false);
            ch.setAutoHangup(0);
            ch.asyncAgiBreak();

            assertThat(ch.send("FOO BAR").isInvalidCommand()).isTrue();
            AgiReply usage = ch.send("STREAM FILE");
            assertThat(usage.isUsageError()).isTrue();
            assertThat(usage.usage().split("\n")).hasSize(5);
            assertThat(usage.usage()).startsWith("Send the given file, allowing playback").contains("<value>FAILED</value>");
            assertThat(ch.send("GET VARIABLE").usage()).contains("Example return code: 200 result=1 (testvariable)");
            assertThat(ch.send("SAY NUMBER abc \"\"").isUsageError()).isTrue();

            ch.setVariable("QUOTED", "a \"quoted\" value  with   spaces");
            assertThat(ch.getVariable("QUOTED")).hasValue("a \"quoted\" value  with   spaces");
            assertThat(ch.send("SET VARIABLE UNQUOTED two words").usage()).isEqualTo("Sets a variable to the current channel.");
            assertThat(ch.getVariable("UNQUOTED")).isEmpty();
            ch.verbose("quotes \"inside\" and  spaces", 1);
            assertThat(ch.getVariable("CHANNEL(state)")).hasValue("Up");
            ch.setContext("agi-after");
            ch.setExtension("t2");
            ch.setPriority("2");
            assertThatThrownBy(() -> ch.setPriority("nosuchlabel")).isInstanceOfSatisfying(AgiCommandException.class,
                    e -> assertThat(e.reply().usage()).startsWith("Changes the priority"));
            assertThat(ch.isHungUp()).isFalse();
        }));
    }

    @Test
    void capture03a_hangupNoticeThenCleanUpOnTheStillOpenSocket() throws Exception {
        replay("03a-fastagi-hangup-default.txt", "/hup", new RecordingApp(ch -> {
            ch.answer();
            AgiHangupException hup = org.junit.jupiter.api.Assertions.assertThrows(AgiHangupException.class, ch::noop);
            assertThat(hup.reply().raw()).isEqualTo("200 result=0");
            assertThat(ch.isHungUp()).isTrue();
            assertThat(ch.getVariable("CHANNEL")).hasValue("Local/hup@agi-test-0000000a;2");
            assertThatThrownBy(() -> ch.streamFile("beep")).isInstanceOf(AgiHangupException.class)
                    .hasMessageContaining("511");
            ch.verbose("after hangup", 1);
        }));
    }

    @Test
    void capture03b_noSigHupMeansNoNoticeOnlyCommandsThatNeedTheChannelFail() throws Exception {
        replay("03b-fastagi-hangup-agisighup-no.txt", "/hup-nosighup", new RecordingApp(ch -> {
            ch.answer();
            ch.noop();
            assertThat(ch.getVariable("CHANNEL")).hasValue("Local/hup-nosighup@agi-test-0000000b;2");
            assertThat(ch.isHungUp()).isFalse();
        }));
    }

    @Test
    void capture03c_exitOnHangupClosesTheConnection() throws Exception {
        replay("03c-fastagi-hangup-agiexitonhangup.txt", "/hup-exit", new RecordingApp(ch -> {
            ch.answer();
            assertThatThrownBy(ch::noop).isInstanceOf(AgiHangupException.class);
            assertThatThrownBy(() -> ch.getVariable("CHANNEL")).isInstanceOf(AgiHangupException.class);
            assertThat(ch.isHungUp()).isTrue();
        }));
    }

    @Test
    void capture03d_hangupDuringStreamFileAndNoticeBetweenCommandAndReply() throws Exception {
        replay("03d-fastagi-hangup-during-command.txt", "/hup", new RecordingApp(ch -> {
            ch.answer();
            DigitResult r = ch.streamFile("tt-monkeys");
            assertThat(r.failed()).isTrue();
            assertThat(r.endpos()).isEqualTo(8320);
            AgiHangupException hup = org.junit.jupiter.api.Assertions.assertThrows(AgiHangupException.class, ch::noop);
            assertThat(hup.reply().raw()).isEqualTo("200 result=0");
        }));
    }

    @Test
    void capture03e_ownHangupThenNoop() throws Exception {
        replay("03e-fastagi-hangup-command.txt", "/hup", new RecordingApp(ch -> {
            ch.answer();
            ch.hangup();
            assertThat(ch.isHungUp()).isTrue();
            ch.noop();
        }));
    }

    @Test
    void theReplayCatchesAnAppThatSaysSomethingElse() throws Exception {
        server = FastAgiServer.builder().port(0).route("/hup", ch -> {
            ch.answer();
            ch.streamFile("beep", "#"); // the capture has STREAM FILE tt-monkeys ""
        }).start();
        AgiTranscriptReplay.Result r = AgiTranscriptReplay.of("03d-fastagi-hangup-during-command.txt")
                .againstFastAgi("127.0.0.1", server.port());
        assertThat(r.ok()).isFalse();
        assertThat(r.mismatches()).singleElement().asString()
                .contains("expected 'STREAM FILE tt-monkeys \"\"' but the app sent 'STREAM FILE beep \"#\"'");
        assertThatThrownBy(r::assertOk).isInstanceOf(AssertionError.class);
    }

    @Test
    void theReplayCatchesAnAppThatKeepsTalkingWhereTheScriptClosed() throws Exception {
        server = FastAgiServer.builder().port(0).route("/close", ch -> {
            ch.answer();
            ch.noop();
        }).start();
        AgiTranscriptReplay.Result r = AgiTranscriptReplay.of("03f-fastagi-script-closes-early.txt")
                .againstFastAgi("127.0.0.1", server.port());
        assertThat(r.mismatches()).singleElement().asString().contains("expected the app to end the session but it sent 'NOOP'");
    }

    @Test
    void capture03f_appReturnsEarlyAndWeCloseCleanly() throws Exception {
        replay("03f-fastagi-script-closes-early.txt", "/close", new RecordingApp(AgiChannel::answer));
    }
}
