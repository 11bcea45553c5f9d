package org.tinyphone.agi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Every reply form seen from Asterisk 22 (captures 02, 03, 04a) becomes a typed value. */
class AgiReplyTest {

    @Test
    void plainResult() {
        AgiReply r = AgiReply.parse("200 result=0");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.resultCode()).isZero();
        assertThat(r.data()).isNull();
        assertThat(r.endpos()).isEmpty();
        assertThat(r.text()).isEmpty();
    }

    @Test
    void resultWithDataKeepsInnerSpacesQuotesAndParentheses() {
        assertThat(AgiReply.parse("200 result=1 (hello world)").data()).isEqualTo("hello world");
        assertThat(AgiReply.parse("200 result=1 (a \"quoted\" value  with   spaces)").data())
                .isEqualTo("a \"quoted\" value  with   spaces");
        assertThat(AgiReply.parse("200 result=1 (\"Dave\" <15550002222>)").data()).isEqualTo("\"Dave\" <15550002222>");
        assertThat(AgiReply.parse("200 result=1 ()").data()).isEmpty();
        assertThat(AgiReply.parse("200 result=1 (f(x) endpos=3)").data()).isEqualTo("f(x) endpos=3");
        assertThat(AgiReply.parse("200 result=1 (Local/cmds@agi-test-00000002;2)").data())
                .isEqualTo("Local/cmds@agi-test-00000002;2");
    }

    @Test
    void endposAfterResultAndAfterData() {
        AgiReply r = AgiReply.parse("200 result=53 endpos=6880");
        assertThat(r.resultCode()).isEqualTo(53);
        assertThat(r.endpos()).hasValue(6880);
        AgiReply rec = AgiReply.parse("200 result=35 (dtmf) endpos=0");
        assertThat(rec.data()).isEqualTo("dtmf");
        assertThat(rec.endpos()).hasValue(0);
        assertThat(AgiReply.parse("200 result=0 endpos=-1").endpos()).hasValue(-1);
        assertThat(AgiReply.parse("200 result=-1 endpos=0").resultCode()).isEqualTo(-1);
    }

    @Test
    void emptyResultOfGetDataTimeout() {
        AgiReply r = AgiReply.parse("200 result= (timeout)");
        assertThat(r.result()).isEmpty();
        assertThat(r.data()).isEqualTo("timeout");
        assertThatThrownBy(r::resultCode).isInstanceOf(AgiProtocolException.class);
    }

    @Test
    void freeTextOfGosubAndProvisional() {
        AgiReply trying = AgiReply.parse("100 result=0 Trying...");
        assertThat(trying.isTrying()).isTrue();
        assertThat(trying.text()).isEqualTo("Trying...");
        AgiReply done = AgiReply.parse("200 result=0 Gosub complete");
        assertThat(done.resultCode()).isZero();
        assertThat(done.text()).isEqualTo("Gosub complete");
        assertThat(done.attribute("endpos")).isNull();
        assertThat(AgiReply.parse("200 result=-1 Gosub label not found").text()).isEqualTo("Gosub label not found");
    }

    @Test
    void errorStatuses() {
        AgiReply invalid = AgiReply.parse("510 Invalid or unknown command");
        assertThat(invalid.isInvalidCommand()).isTrue();
        assertThat(invalid.text()).isEqualTo("Invalid or unknown command");
        assertThat(invalid.result()).isNull();
        AgiReply dead = AgiReply.parse("511 Command Not Permitted on a dead channel or intercept routine");
        assertThat(dead.isDeadChannel()).isTrue();
        assertThat(AgiReply.parse("503 result=-2 Memory allocation failure").resultCode()).isEqualTo(-2);
        assertThat(AgiReply.parse("520 Invalid command syntax.  Proper usage not available.").isUsageError()).isTrue();
    }

    @Test
    void multiLineUsageBlockKeptAsText() {
        String block = """
                520-Invalid command syntax.  Proper usage follows:
                Returns <literal>0</literal> if <replaceable>variablename</replaceable> is not set.
                Example return code: 200 result=1 (testvariable)
                520 End of proper usage.
                """;
        AgiReply r = AgiReply.parse(block);
        assertThat(r.isUsageError()).isTrue();
        assertThat(r.text()).isEqualTo("Invalid command syntax.  Proper usage follows:");
        assertThat(r.usage()).isEqualTo("Returns <literal>0</literal> if <replaceable>variablename</replaceable> is not set.\n"
                + "Example return code: 200 result=1 (testvariable)");
        assertThat(r.raw()).startsWith("520-Invalid").endsWith("520 End of proper usage.");
    }

    @Test
    void asyncAgiResultWithTrailingLineFeed() {
        assertThat(AgiReply.parse("200 result=0\n").resultCode()).isZero();
    }

    @Test
    void speechAttributesWithQuotedText() {
        AgiReply r = AgiReply.parse("200 result=1 (speech) endpos=1234 results=2 score0=900 text0=\"yes (sure)\" grammar0=yesno score1=300 text1=\"no\" grammar1=yesno");
        assertThat(r.data()).isEqualTo("speech");
        assertThat(r.endpos()).hasValue(1234);
        assertThat(r.attribute("text0")).isEqualTo("yes (sure)");
        assertThat(r.attribute("grammar1")).isEqualTo("yesno");
        SpeechResult s = SpeechResult.of(r);
        assertThat(s.kind()).isEqualTo(SpeechResult.Kind.SPEECH);
        assertThat(s.matches()).containsExactly(new SpeechResult.Match(900, "yes (sure)", "yesno"),
                new SpeechResult.Match(300, "no", "yesno"));
        SpeechResult d = SpeechResult.of(AgiReply.parse("200 result=1 (digit) digit=5 endpos=80"));
        assertThat(d.kind()).isEqualTo(SpeechResult.Kind.DIGIT);
        assertThat(d.digit()).isEqualTo('5');
        assertThat(SpeechResult.of(AgiReply.parse("200 result=0")).kind()).isEqualTo(SpeechResult.Kind.FAILED);
        assertThat(SpeechResult.of(AgiReply.parse("200 result=1 (timeout) endpos=9")).kind()).isEqualTo(SpeechResult.Kind.TIMEOUT);
    }

    @Test
    void dataWithParenthesesEndsAtTheLastOneThatOnlyAttributesFollow() {
        // found by AgiReplyFuzzTest slowing down: each ')' had its suffix checked anew, quadratic in the line's length;
        // now one pass reads every suffix, and these must read as before
        AgiReply r = AgiReply.parse("200 result=1 (x) y=1 z) endpos=7");
        assertThat(r.data()).isEqualTo("x) y=1 z");
        assertThat(r.endpos()).hasValue(7);
        AgiReply speech = AgiReply.parse("200 result=1 (speech) endpos=0 results=1 score0=900 text0=\"yes (really) ok\" grammar0=g");
        assertThat(speech.data()).isEqualTo("speech");
        assertThat(speech.attribute("text0")).isEqualTo("yes (really) ok");
        assertThat(speech.attribute("grammar0")).isEqualTo("g");
        String many = ") a=b".repeat(20_000);
        AgiReply all = AgiReply.parse("200 result=1 (" + many);
        assertThat(all.data()).isEqualTo(many.substring(0, many.length() - 5));
        assertThat(all.attribute("a")).isEqualTo("b");
        AgiReply none = AgiReply.parse("200 result=1 (" + many + " x");
        assertThat(none.data()).isNull();
        assertThat(none.text()).startsWith("() a=b");
        assertThat(none.attribute("a")).isNull();
    }

    @Test
    void garbageIsAProtocolError() {
        assertThatThrownBy(() -> AgiReply.parse("HTTP/1.1 200 OK")).isInstanceOf(AgiProtocolException.class);
        assertThatThrownBy(() -> AgiReply.parse("")).isInstanceOf(AgiProtocolException.class);
        assertThatThrownBy(() -> AgiReply.parse("2000 result=1")).isInstanceOf(AgiProtocolException.class);
    }

    @Test
    void typedResults() {
        DigitResult key = DigitResult.of(AgiReply.parse("200 result=55"));
        assertThat(key.pressed()).isTrue();
        assertThat(key.digit()).isEqualTo('7');
        assertThat(DigitResult.of(AgiReply.parse("200 result=0")).timedOut()).isTrue();
        assertThat(DigitResult.of(AgiReply.parse("200 result=-1 endpos=0")).failed()).isTrue();
        assertThatThrownBy(() -> DigitResult.of(AgiReply.parse("200 result=0")).digit()).isInstanceOf(IllegalStateException.class);

        assertThat(InputResult.of(AgiReply.parse("200 result=123"))).isEqualTo(new InputResult("123", false, false));
        assertThat(InputResult.of(AgiReply.parse("200 result= (timeout)"))).isEqualTo(new InputResult("", true, false));
        assertThat(InputResult.of(AgiReply.parse("200 result=12 (timeout)"))).isEqualTo(new InputResult("12", true, false));
        assertThat(InputResult.of(AgiReply.parse("200 result=-1"))).isEqualTo(new InputResult("", false, true));

        RecordResult rec = RecordResult.of(AgiReply.parse("200 result=0 (timeout) endpos=0"));
        assertThat(rec.timedOut()).isTrue();
        assertThat(rec.pressed()).isFalse();
        assertThat(RecordResult.of(AgiReply.parse("200 result=35 (dtmf) endpos=0")).digit()).isEqualTo('#');
        assertThat(ChannelState.of(4)).isEqualTo(ChannelState.RING);
        assertThat(ChannelState.of(6)).isEqualTo(ChannelState.UP);
        assertThat(ChannelState.of(-1)).isEqualTo(ChannelState.NO_SUCH_CHANNEL);
    }
}
