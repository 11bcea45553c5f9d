package org.tinyphone.agi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AgiReplyDecoderTest {

    @Test
    void hangupNoticeBetweenCommandAndReplyIsRecordedNotReturned() {
        AgiReplyDecoder d = new AgiReplyDecoder();
        assertThat(d.feed("HANGUP")).isNull();
        assertThat(d.takeHangup()).isTrue();
        assertThat(d.takeHangup()).isFalse();
        assertThat(d.feed("200 result=0").resultCode()).isZero();
    }

    @Test
    void usageBlockCompletesOnItsLastLine() {
        AgiReplyDecoder d = new AgiReplyDecoder();
        assertThat(d.feed("520-Invalid command syntax.  Proper usage follows:")).isNull();
        assertThat(d.inBlock()).isTrue();
        assertThat(d.feed("Sets a variable to the current channel.")).isNull();
        assertThat(d.feed("HANGUP")).isNull(); // inside a block every line is usage text
        AgiReply r = d.feed("520 End of proper usage.");
        assertThat(r.isUsageError()).isTrue();
        assertThat(r.usage()).isEqualTo("Sets a variable to the current channel.\nHANGUP");
        assertThat(d.takeHangup()).isFalse();
    }

    @Test
    void garbageLine() {
        assertThatThrownBy(() -> new AgiReplyDecoder().feed("hello")).isInstanceOf(AgiProtocolException.class)
                .hasMessageContaining("hello");
    }
}
