package org.tinyphone.agi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The stream channel over in-memory streams: what Asterisk sends is known in advance, what we send is checked. */
class StreamAgiChannelTest {
    private static final String ENV = "agi_network: yes\nagi_network_script: t\nagi_request: agi://127.0.0.1:4573/t\n"
            + "agi_channel: Local/t@x-1;2\nagi_uniqueid: 1.1\n\n";

    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private StreamAgiChannel channel(String asteriskSends) throws IOException {
        return StreamAgiChannel.open(new ByteArrayInputStream((ENV + asteriskSends).getBytes(StandardCharsets.UTF_8)), sent);
    }

    private String sent() { return sent.toString(StandardCharsets.UTF_8); }

    @Test
    void readsEnvironmentThenExchangesOneLinePerCommand() throws IOException {
        StreamAgiChannel ch = channel("200 result=0\n200 result=1 (some value)\n");
        assertThat(ch.environment().channel()).isEqualTo("Local/t@x-1;2");
        ch.answer();
        assertThat(ch.getVariable("MYVAR")).hasValue("some value");
        assertThat(sent()).isEqualTo("ANSWER\nGET VARIABLE MYVAR\n");
    }

    @Test
    void provisionalTryingIsSkippedForGosub() throws IOException {
        StreamAgiChannel ch = channel("100 result=0 Trying...\n200 result=0 Gosub complete\n200 result=-1 Gosub label not found\n");
        assertThat(ch.gosub("agi-sub", "s", "1", "a1", "a2")).isTrue();
        assertThat(ch.gosub("no-such-context", "s", "1")).isFalse();
        assertThat(sent()).isEqualTo("GOSUB agi-sub s 1 \"a1,a2\"\nGOSUB no-such-context s 1\n");
    }

    @Test
    void usageErrorThrowsForTypedCommandsButIsReturnedByRawSend() throws IOException {
        String usage = "520-Invalid command syntax.  Proper usage follows:\nChanges the priority for continuation upon exiting the application. The priority must be a valid priority or label.\n520 End of proper usage.\n";
        StreamAgiChannel ch = channel(usage + usage + "510 Invalid or unknown command\n");
        assertThatThrownBy(() -> ch.setPriority("nosuchlabel")).isInstanceOfSatisfying(AgiCommandException.class, e -> {
            assertThat(e.command()).isEqualTo("SET PRIORITY nosuchlabel");
            assertThat(e.reply().usage()).startsWith("Changes the priority");
        });
        assertThat(ch.send("SET PRIORITY nosuchlabel").isUsageError()).isTrue();
        assertThat(ch.send("FOO BAR").isInvalidCommand()).isTrue();
    }

    @Test
    void hangupNoticeBeforeTheReplyEndsTheInFlightCommandThenCleanUpWorks() throws IOException {
        StreamAgiChannel ch = channel("HANGUP\n200 result=0\n200 result=1 (Local/t@x-1;2)\n"
                + "511 Command Not Permitted on a dead channel or intercept routine\n200 result=1\n");
        assertThatThrownBy(ch::noop).isInstanceOfSatisfying(AgiHangupException.class,
                e -> assertThat(e.reply().raw()).isEqualTo("200 result=0"));
        assertThat(ch.isHungUp()).isTrue();
        assertThat(ch.getVariable("CHANNEL")).hasValue("Local/t@x-1;2");
        assertThatThrownBy(() -> ch.streamFile("beep")).isInstanceOf(AgiHangupException.class)
                .hasMessageContaining("511");
        ch.verbose("after hangup");
        assertThat(sent()).isEqualTo("NOOP\nGET VARIABLE CHANNEL\nSTREAM FILE beep \"\"\nVERBOSE \"after hangup\" 1\n");
    }

    @Test
    void aPeerThatNeverSendsAFinalReplyIsCutOffAfterABoundedNumberOfLines() throws IOException {
        // found by fuzzing: endless "100 Trying" lines (or HANGUP notices) kept the command reading for ever,
        // one line at a time, each read well within the socket's read timeout
        for (String endless : new String[] {"100 result=0 Trying...\n", "HANGUP\n"}) {
            byte[] env = ENV.getBytes(StandardCharsets.UTF_8);
            java.io.InputStream in = new java.io.SequenceInputStream(new ByteArrayInputStream(env),
                    new org.tinyphone.sim.fuzz.RepeatingInputStream(endless.getBytes(StandardCharsets.UTF_8),
                            endless.length() * 1_000_000L)); // a million lines, then the end (a hang, before the fix)
            StreamAgiChannel ch = StreamAgiChannel.open(in, sent);
            assertThatThrownBy(() -> ch.gosub("agi-sub", "s", "1")).isInstanceOf(AgiProtocolException.class)
                    .hasMessageContaining("no final reply").hasMessageContaining("GOSUB agi-sub s 1");
            assertThatThrownBy(ch::noop).as("the session is over").isInstanceOf(AgiHangupException.class);
        }
    }

    @Test
    void endOfStreamIsAHangupForThisAndEveryLaterCommand() throws IOException {
        StreamAgiChannel ch = channel("HANGUP\nHANGUP\n");
        assertThatThrownBy(ch::noop).isInstanceOf(AgiHangupException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> ch.getVariable("CHANNEL")).isInstanceOf(AgiHangupException.class);
        assertThat(ch.isHungUp()).isTrue();
        assertThat(ch.isEnded()).isTrue();
        assertThat(sent()).isEqualTo("NOOP\n"); // nothing more is written once the connection is gone
    }

    @Test
    void ownHangupDoesNotTurnTheFollowingNoticeIntoAnException() throws IOException {
        StreamAgiChannel ch = channel("200 result=1\nHANGUP\n200 result=0\n");
        ch.hangup();
        assertThat(ch.isHungUp()).isTrue();
        ch.noop();
        assertThat(sent()).isEqualTo("HANGUP\nNOOP\n");
    }

    @Test
    void hangupAfterTheCallerLeftIsQuiet() throws IOException {
        StreamAgiChannel ch = channel("511 Command Not Permitted on a dead channel or intercept routine\n");
        ch.hangup();
        assertThat(ch.isHungUp()).isTrue();
    }

    @Test
    void overlongLineIsAProtocolErrorAndEndsTheSession() throws IOException {
        String big = "200 result=1 (" + "x".repeat(StreamAgiChannel.DEFAULT_MAX_LINE + 10) + ")\n";
        StreamAgiChannel ch = channel(big);
        assertThatThrownBy(() -> ch.getVariable("BIG")).isInstanceOf(AgiProtocolException.class)
                .hasMessageContaining("line longer than");
        assertThat(ch.isEnded()).isTrue();
    }

    @Test
    void malformedOrIncompleteEnvironment() {
        assertThatThrownBy(() -> StreamAgiChannel.open(new ByteArrayInputStream("GET / HTTP/1.1\r\n\r\n".getBytes()), sent))
                .isInstanceOf(AgiProtocolException.class).hasMessageContaining("not an AGI environment");
        assertThatThrownBy(() -> StreamAgiChannel.open(new ByteArrayInputStream("agi_network: yes\n".getBytes()), sent))
                .isInstanceOf(AgiProtocolException.class).hasMessageContaining("before the AGI environment was complete");
        assertThatThrownBy(() -> StreamAgiChannel.open(new ByteArrayInputStream(new byte[0]), sent))
                .isInstanceOf(AgiProtocolException.class).hasMessageContaining("before any AGI environment");
    }

    @Test
    void crlfIsTolerated() throws IOException {
        StreamAgiChannel ch = StreamAgiChannel.open(new ByteArrayInputStream(
                "agi_network: yes\r\nagi_network_script: x\r\n\r\n200 result=1 (v)\r\n".getBytes()), sent);
        assertThat(ch.environment().scriptPath()).isEqualTo("/x");
        assertThat(ch.getVariable("V")).hasValue("v");
    }

    @Test
    void commandLinesWithLineBreaksAreRefusedBeforeAnythingIsSent() throws IOException {
        StreamAgiChannel ch = channel("");
        assertThatThrownBy(() -> ch.send("NOOP\nHANGUP")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ch.verbose("a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThat(sent()).isEmpty();
    }

    // isInputFinished: may the server close at once (a plain FIN), or must it half-close and read Asterisk's last lines?

    @Test
    void afterOurHangupAndItsNoticeAsteriskHasNothingMoreToSendBeforeOurClose() throws IOException {
        StreamAgiChannel ch = channel("200 result=0\n200 result=1\nHANGUP\n"); // capture 03e: reply, then the notice
        ch.answer();
        assertThat(ch.isInputFinished()).isFalse(); // the notice is not in yet
        ch.hangup();
        assertThat(ch.isInputFinished()).isTrue(); // the notice was buffered with the reply: examined, not read
    }

    @Test
    void aCallerHangupNoticeReadEarlierAlsoMeansNothingMoreIsComing() throws IOException {
        StreamAgiChannel ch = channel("HANGUP\n200 result=0\n200 result=1\n");
        assertThatThrownBy(ch::noop).isInstanceOf(AgiHangupException.class);
        ch.verbose("cleaning up", 1);
        assertThat(ch.isInputFinished()).isTrue();
    }

    @Test
    void channelStillUpOrNoNoticeMeansAsteriskMayStillWrite() throws IOException {
        StreamAgiChannel up = channel("200 result=0\n"); // script ends early (03f): Asterisk writes HANGUP after our FIN
        up.answer();
        assertThat(up.isInputFinished()).isFalse();
        // AGISIGHUP=no: the 511 tells of the hangup, but no notice came, so nothing proves the input is over
        StreamAgiChannel noSighup = channel("511 Command Not Permitted on a dead channel or intercept routine\n");
        assertThatThrownBy(noSighup::noop).isInstanceOf(AgiHangupException.class);
        assertThat(noSighup.isInputFinished()).isFalse();
    }

    @Test
    void unexpectedOrPartialInputAfterTheNoticeMeansDrain() throws IOException {
        StreamAgiChannel extra = channel("200 result=1\nHANGUP\n200 result=0\n");
        extra.hangup();
        assertThat(extra.isInputFinished()).isFalse();
        StreamAgiChannel partial = channel("200 result=1\nHANGUP\nHANG");
        partial.hangup();
        assertThat(partial.isInputFinished()).isFalse();
    }

    @Test
    void asteriskClosingTheConnectionMeansNothingMoreIsComing() throws IOException {
        StreamAgiChannel ch = channel("HANGUP\nHANGUP\n"); // AGIEXITONHANGUP=yes (03c): two notices and EOF
        assertThatThrownBy(ch::noop).isInstanceOf(AgiHangupException.class);
        assertThat(ch.isInputFinished()).isTrue();
    }
}
