package org.tinyphone.agi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every typed command: the exact line it sends and the typed value it makes of Asterisk's reply. Commands that
 * capture 02 exercises against a real Asterisk are covered again in FastAgiConformanceTest; this test also
 * covers the ones the capture does not (SAY DATE, SEND IMAGE, the SPEECH family, options and channel names).
 */
class AgiChannelCommandsTest {
    private static final String ENV = "agi_network: yes\nagi_network_script: t\nagi_channel: SIP/a-1\n\n";

    /** Runs one command against a canned reply; returns the typed result and checks the line sent. */
    private static <T> T exchange(String expectedLine, String reply, Function<AgiChannel, T> command) throws IOException {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        StreamAgiChannel ch = StreamAgiChannel.open(
                new ByteArrayInputStream((ENV + reply + "\n").getBytes(StandardCharsets.UTF_8)), sent);
        T result = command.apply(ch);
        assertThat(sent.toString(StandardCharsets.UTF_8)).isEqualTo(expectedLine + "\n");
        return result;
    }

    private static void run(String expectedLine, String reply, java.util.function.Consumer<AgiChannel> command) throws IOException {
        exchange(expectedLine, reply, ch -> {
            command.accept(ch);
            return null;
        });
    }

    @Test
    void callControl() throws IOException {
        run("ANSWER", "200 result=0", AgiChannel::answer);
        assertThatThrownBy(() -> run("ANSWER", "200 result=-1", AgiChannel::answer)).isInstanceOf(AgiException.class)
                .hasMessageContaining("ANSWER failed");
        run("HANGUP", "200 result=1", AgiChannel::hangup);
        assertThat((boolean) exchange("HANGUP SIP/b-2", "200 result=1", ch -> ch.hangup("SIP/b-2"))).isTrue();
        assertThat((boolean) exchange("HANGUP SIP/none", "200 result=-1", ch -> ch.hangup("SIP/none"))).isFalse();
        assertThat((ChannelState) exchange("CHANNEL STATUS", "200 result=6", AgiChannel::channelStatus)).isEqualTo(ChannelState.UP);
        assertThat((ChannelState) exchange("CHANNEL STATUS SIP/none", "200 result=-1", ch -> ch.channelStatus("SIP/none")))
                .isEqualTo(ChannelState.NO_SUCH_CHANNEL);
        run("SET AUTOHANGUP 30", "200 result=0", ch -> ch.setAutoHangup(30));
        run("ASYNCAGI BREAK", "200 result=0", AgiChannel::asyncAgiBreak);
    }

    @Test
    void playback() throws IOException {
        assertThat(exchange("STREAM FILE beep \"\"", "200 result=0 endpos=3404", ch -> ch.streamFile("beep")).endpos()).isEqualTo(3404);
        assertThat(exchange("STREAM FILE hello-world \"\" 4000", "200 result=0 endpos=11234",
                ch -> ch.streamFile("hello-world", "", 4000)).none()).isTrue();
        assertThat(exchange("CONTROL STREAM FILE tt-monkeys \"#\" 3000 \"*\" \"0\" \"9\" 1500", "200 result=0 endpos=-1",
                ch -> ch.controlStreamFile("tt-monkeys", "#", 3000, "*", "0", "9", 1500)).endpos()).isEqualTo(-1);
        assertThat(exchange("GET OPTION hello-world \"1234\"", "200 result=52 endpos=8160",
                ch -> ch.getOption("hello-world", "1234")).digit()).isEqualTo('4');
        assertThat(exchange("GET DATA beep", "200 result=42", ch -> ch.getData("beep")).digits()).isEqualTo("42");
        assertThat(exchange("GET DATA beep 3000", "200 result=-1", ch -> ch.getData("beep", 3000)).failed()).isTrue();
        assertThat(exchange("WAIT FOR DIGIT -1", "200 result=35", ch -> ch.waitForDigit(-1)).digit()).isEqualTo('#');
        assertThat(exchange("SAY DATE 1700000000 \"#\"", "200 result=0", ch -> ch.sayDate(1700000000L, "#")).none()).isTrue();
        assertThat(exchange("SAY DATETIME 1700000000 \"\"", "200 result=0", ch -> ch.sayDateTime(1700000000L, "")).none()).isTrue();
        assertThat(exchange("SAY DATETIME 1700000000 \"\" \"IMp\"", "200 result=0",
                ch -> ch.sayDateTime(1700000000L, "", "IMp")).none()).isTrue();
        assertThat(exchange("SAY DATETIME 1700000000 \"\" \"ABdY 'digits/at' IMp\" UTC", "200 result=0",
                ch -> ch.sayDateTime(1700000000L, "", null, "UTC")).none()).isTrue();
        assertThat(exchange("SAY ALPHA \"hello world\" \"\"", "200 result=-1", ch -> ch.sayAlpha("hello world", "")).failed()).isTrue();
        run("SET MUSIC on", "200 result=0", ch -> ch.setMusic(true));
    }

    @Test
    void recordingAndText() throws IOException {
        RecordResult rec = exchange("RECORD FILE /tmp/x gsm \"#\" -1 0 s=3", "200 result=-1 (hangup) endpos=1600",
                ch -> ch.recordFile("/tmp/x", "gsm", "#", -1, 0, false, 3));
        assertThat(rec.hungUp()).isTrue();
        assertThat(rec.failed()).isTrue();
        assertThat(rec.endpos()).isEqualTo(1600);
        assertThat(exchange("RECEIVE CHAR 500", "200 result=65", ch -> ch.receiveChar(500)).digit()).isEqualTo('A');
        assertThat(exchange("RECEIVE CHAR 500", "200 result=0 (timeout)", ch -> ch.receiveChar(500)).timedOut()).isTrue();
        assertThat((java.util.Optional<String>) exchange("RECEIVE TEXT 500", "200 result=1 (hi there)", ch -> ch.receiveText(500))).hasValue("hi there");
        assertThat((boolean) exchange("SEND TEXT hi", "200 result=-1", ch -> ch.sendText("hi"))).isFalse();
        assertThat((boolean) exchange("SEND IMAGE logo", "200 result=0", ch -> ch.sendImage("logo"))).isTrue();
        assertThat((boolean) exchange("TDD MODE off", "200 result=1", ch -> ch.tddMode("off"))).isTrue();
    }

    @Test
    void variablesAndDatabase() throws IOException {
        assertThat((java.util.Optional<String>) exchange("GET FULL VARIABLE \"${CALLERID(num)}\" SIP/b-2", "200 result=1 (100)",
                ch -> ch.getFullVariable("${CALLERID(num)}", "SIP/b-2"))).hasValue("100");
        assertThat((java.util.Optional<String>) exchange("GET FULL VARIABLE \"${X}\"", "200 result=0", ch -> ch.getFullVariable("${X}"))).isEmpty();
        run("SET VARIABLE CALLERID(name) \"Carol Jones\"", "200 result=1", ch -> ch.setVariable("CALLERID(name)", "Carol Jones"));
        run("SET CALLERID 15550001111", "200 result=1", ch -> ch.setCallerId("15550001111"));
        assertThat((boolean) exchange("DATABASE DELTREE cidname 1555", "200 result=0", ch -> ch.databaseDelTree("cidname", "1555"))).isFalse();
        assertThat((boolean) exchange("DATABASE PUT f k \"\"", "200 result=1", ch -> ch.databasePut("f", "k", ""))).isTrue();
    }

    @Test
    void dialplan() throws IOException {
        assertThat(exchange("EXEC Dial PJSIP/100,30,tT", "200 result=0", ch -> ch.exec("Dial", "PJSIP/100", "30", "tT")).ok()).isTrue();
        assertThat(exchange("EXEC Answer", "200 result=0", ch -> ch.exec("Answer")).ok()).isTrue();
        assertThat(exchange("EXEC Hangup", "200 result=-1", ch -> ch.exec("Hangup")).code()).isEqualTo(-1);
        assertThat((boolean) exchange("GOSUB sub s 1", "100 result=0 Trying...\n200 result=0 Gosub complete",
                ch -> ch.gosub("sub", "s", "1"))).isTrue();
        run("SET CONTEXT from-internal", "200 result=0", ch -> ch.setContext("from-internal"));
        run("SET EXTENSION 600", "200 result=0", ch -> ch.setExtension("600"));
        run("SET PRIORITY start", "200 result=0", ch -> ch.setPriority("start"));
        run("VERBOSE hello 1", "200 result=1", ch -> ch.verbose("hello"));
        run("VERBOSE \"at level 3\" 3", "200 result=1", ch -> ch.verbose("at level 3", 3));
        run("NOOP", "200 result=0", AgiChannel::noop);
        assertThatThrownBy(() -> run("NOOP", "510 Invalid or unknown command", AgiChannel::noop))
                .isInstanceOf(AgiCommandException.class).hasMessageContaining("510");
    }

    @Test
    void speech() throws IOException {
        assertThat((boolean) exchange("SPEECH CREATE lumenvox", "200 result=1", ch -> ch.speechCreate("lumenvox"))).isTrue();
        assertThat((boolean) exchange("SPEECH SET confidence 500", "200 result=1", ch -> ch.speechSet("confidence", "500"))).isTrue();
        assertThat((boolean) exchange("SPEECH LOAD GRAMMAR yesno /etc/asterisk/yesno.gram", "200 result=1",
                ch -> ch.speechLoadGrammar("yesno", "/etc/asterisk/yesno.gram"))).isTrue();
        assertThat((boolean) exchange("SPEECH ACTIVATE GRAMMAR yesno", "200 result=1", ch -> ch.speechActivateGrammar("yesno"))).isTrue();
        SpeechResult heard = exchange("SPEECH RECOGNIZE beep 5000", "200 result=1 (speech) endpos=0 results=1 score0=870 text0=\"yes please\" grammar0=yesno",
                ch -> ch.speechRecognize("beep", 5000));
        assertThat(heard.kind()).isEqualTo(SpeechResult.Kind.SPEECH);
        assertThat(heard.matches()).containsExactly(new SpeechResult.Match(870, "yes please", "yesno"));
        assertThat(exchange("SPEECH RECOGNIZE beep 5000 800", "200 result=1 (digit) digit=3 endpos=800",
                ch -> ch.speechRecognize("beep", 5000, 800)).digit()).isEqualTo('3');
        assertThat((boolean) exchange("SPEECH DEACTIVATE GRAMMAR yesno", "200 result=1", ch -> ch.speechDeactivateGrammar("yesno"))).isTrue();
        assertThat((boolean) exchange("SPEECH UNLOAD GRAMMAR yesno", "200 result=0", ch -> ch.speechUnloadGrammar("yesno"))).isFalse();
        assertThat((boolean) exchange("SPEECH DESTROY", "200 result=1", AgiChannel::speechDestroy)).isTrue();
    }
}
