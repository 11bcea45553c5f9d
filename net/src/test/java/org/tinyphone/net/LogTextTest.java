package org.tinyphone.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void plainTextIsReturnedAsItIs() {
        String s = "call 1700000000.42 from 15550001111 to 13605162099 via fastagi: Zoë 🙂";
        assertThat(LogText.escape(s)).isSameAs(s);
    }

    @Test
    void lineBreaksCannotForgeALogLine() {
        assertThat(LogText.escape("id:1,event:keypress,value:5\r\n12:00:00.000 INFO  Bridge - call 2 from admin"))
                .isEqualTo("id:1,event:keypress,value:5\\r\\n12:00:00.000 INFO  Bridge - call 2 from admin")
                .doesNotContain("\n", "\r");
    }

    @Test
    void terminalEscapesAndEveryControlAreShownVisibly() {
        assertThat(LogText.escape("\u001b[2J\u001b]0;owned\u0007")).isEqualTo("\\x1b[2J\\x1b]0;owned\\x07");
        assertThat(LogText.escape("a\u0000b\tc\u007fd")).isEqualTo("a\\x00b\\tc\\x7fd");
        assertThat(LogText.escape("\u0085\u009b31m")).isEqualTo("\\x85\\x9b31m"); // NEL and the 8-bit CSI
        for (char c = 0; c < 0x20; c++) assertThat(LogText.escape(String.valueOf(c))).startsWith("\\");
        for (char c = 0x7f; c <= 0x9f; c++) assertThat(LogText.escape(String.valueOf(c))).startsWith("\\x");
    }

    @Test
    void invisibleFormatCharactersAndSeparatorsAreShown() {
        // right-to-left override (makes "exe.txt" read backwards), line separator, BOM, zero-width space
        assertThat(LogText.escape("a\u202Eb\u2028c\uFEFFd\u200Be")).isEqualTo("a\\u202eb\\u2028c\\ufeffd\\u200be");
    }

    @Test
    void aBackslashIsEscapedSoAnEscapeIsNeverAmbiguous() {
        assertThat(LogText.escape("C:\\n")).isEqualTo("C:\\\\n");
    }

    @Test
    void unpairedSurrogatesAreShownPairedOnesKept() {
        assertThat(LogText.escape("x\uD83D")).isEqualTo("x\\ud83d");
        assertThat(LogText.escape("\uDE42y")).isEqualTo("\\ude42y");
        assertThat(LogText.escape("\uD83D\uDE42")).isEqualTo("\uD83D\uDE42");
    }

    @Test
    void longValuesAreCutWithAMarkerAndEscapingCannotMakeThemHuge() {
        String huge = "\n".repeat(100_000);
        String shown = LogText.escape(huge);
        assertThat(shown).startsWith("\\n\\n").endsWith("...[+99744 chars]");
        assertThat(shown.length()).isLessThan(LogText.DEFAULT_MAX_CHARS * 2 + 32);
        assertThat(LogText.escape("abcdef", 3)).isEqualTo("abc...[+3 chars]");
        assertThat(LogText.escape("ab\uD83D\uDE42", 3)).isEqualTo("ab...[+2 chars]"); // a pair is not split
    }

    @Test
    void nullIsShownAsNullAndAnyObjectByItsText() {
        assertThat(LogText.escape(null)).isEqualTo("null");
        assertThat(LogText.escape(new StringBuilder("a\nb"))).isEqualTo("a\\nb");
        assertThatThrownBy(() -> LogText.escape("x", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyAddressIsShownAsHostColonPortWithoutTheSlashOfInetSocketAddress() throws Exception {
        java.net.InetSocketAddress any = new java.net.InetSocketAddress(java.net.InetAddress.getByName("0.0.0.0"), 22002);
        assertThat(any.toString()).isEqualTo("/0.0.0.0:22002"); // the form the logs no longer show
        assertThat(LogText.address(any)).isEqualTo("0.0.0.0:22002");
        assertThat(LogText.address("0.0.0.0", 22003)).isEqualTo("0.0.0.0:22003");
        assertThat(LogText.address(new java.net.InetSocketAddress(java.net.InetAddress.getByName("::1"), 9092)))
                .isEqualTo("[0:0:0:0:0:0:0:1]:9092");
        assertThat(LogText.address("::", 12003)).isEqualTo("[::]:12003");
        assertThat(LogText.address("evil\nhost", 1)).isEqualTo("evil\\nhost:1");
    }
}
