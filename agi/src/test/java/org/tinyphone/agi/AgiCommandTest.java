package org.tinyphone.agi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Argument quoting as Asterisk's parse_args reads it (the QUOTED lines of capture 02). */
class AgiCommandTest {

    @Test
    void plainArgumentsStayBare() {
        assertThat(AgiCommand.of("EXEC").arg("Set").arg("MYVAR2=set-by-exec").line()).isEqualTo("EXEC Set MYVAR2=set-by-exec");
        assertThat(AgiCommand.of("GET DATA").arg("beep").arg(5000).arg(4).line()).isEqualTo("GET DATA beep 5000 4");
    }

    @Test
    void spacesQuotesAndBackslashesAreQuotedAndEscaped() {
        assertThat(AgiCommand.of("SET VARIABLE").arg("QUOTED").arg("a \"quoted\" value  with   spaces").line())
                .isEqualTo("SET VARIABLE QUOTED \"a \\\"quoted\\\" value  with   spaces\"");
        assertThat(AgiCommand.of("SET CALLERID").arg("\"Dave\" <15550002222>").line())
                .isEqualTo("SET CALLERID \"\\\"Dave\\\" <15550002222>\"");
        assertThat(AgiCommand.quote("C:\\dir")).isEqualTo("\"C:\\\\dir\"");
        assertThat(AgiCommand.arg("tab\there", false)).isEqualTo("\"tab\there\"");
        assertThat(AgiCommand.arg("a\"b", false)).isEqualTo("\"a\\\"b\"");
    }

    @Test
    void emptyArgumentIsAnEmptyQuotedString() {
        assertThat(AgiCommand.of("SAY NUMBER").arg(1234).arg("").line()).isEqualTo("SAY NUMBER 1234 \"\"");
        assertThat(AgiCommand.of("STREAM FILE").arg("hello-world").quoted(null).line()).isEqualTo("STREAM FILE hello-world \"\"");
    }

    @Test
    void escapeDigitSetsAreAlwaysQuoted() {
        assertThat(AgiCommand.of("STREAM FILE").arg("hello-world").quoted("0123456789*#").line())
                .isEqualTo("STREAM FILE hello-world \"0123456789*#\"");
    }

    @Test
    void lineBreaksCannotBeSent() {
        assertThatThrownBy(() -> AgiCommand.of("VERBOSE").arg("two\nlines")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AgiCommand.of("VERBOSE").arg("a b\r")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AgiCommand.of("NOOP\nHANGUP")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quotedArgumentsRoundTripThroughAsteriskStyleParsing() {
        String[] values = {"", " ", "a  b", "\"", "\\", "x\\\"y", "tail ", "plain", "quo\"te d"};
        for (String v : values) {
            String line = AgiCommand.of("SET VARIABLE").arg("X").arg(v).line();
            assertThat(AsteriskArgs.parse(line)).as(line).containsExactly("SET", "VARIABLE", "X", v);
        }
    }

    @Test
    void parseReadsALineAsAsteriskDoes() {
        String[] lines = {"STREAM FILE hello-world \"\"", "SET VARIABLE QUOTED \"a \\\"quoted\\\" value  with   spaces\"",
                "SAY NUMBER   42\t\"12\"", "GET FULL VARIABLE \"${CALLERID(num)} on ${CHANNEL}\"", "EXEC Set a\\ b",
                "VERBOSE \"\" 1", "X a\"b c\"d", "NOOP", "", "  ", "\"\"", "a \"\" b \"\""};
        for (String line : lines) {
            assertThat(AgiCommand.parse(line)).as(line).isEqualTo(AsteriskArgs.parse(line));
        }
        String[] values = {"", " ", "a  b", "\"", "\\", "x\\\"y", "tail ", "plain", "quo\"te d", "0123456789*#"};
        for (String v : values) {
            assertThat(AgiCommand.parse(AgiCommand.of("SET VARIABLE").arg("X").arg(v).quoted(v).line()))
                    .containsExactly("SET", "VARIABLE", "X", v, v);
        }
    }

    /** A port of res_agi.c parse_args(), so the test checks what Asterisk would read. */
    static final class AsteriskArgs {
        static java.util.List<String> parse(String s) {
            java.util.List<String> argv = new java.util.ArrayList<>();
            StringBuilder cur = null;
            boolean quoted = false, escaped = false, whitespace = true;
            for (char c : s.toCharArray()) {
                boolean normal = false;
                switch (c) {
                    case '"' -> {
                        if (escaped) { normal = true; break; }
                        quoted = !quoted;
                        if (quoted && whitespace) { cur = new StringBuilder(); argv.add(null); whitespace = false; }
                        escaped = false;
                    }
                    case ' ', '\t' -> {
                        if (!quoted && !escaped) {
                            if (!whitespace && cur != null) argv.set(argv.size() - 1, cur.toString());
                            whitespace = true;
                        } else normal = true;
                    }
                    case '\\' -> { if (escaped) normal = true; else escaped = true; }
                    default -> normal = true;
                }
                if (normal) {
                    if (whitespace) { cur = new StringBuilder(); argv.add(null); whitespace = false; }
                    cur.append(c);
                    escaped = false;
                }
                if (cur != null && !argv.isEmpty()) argv.set(argv.size() - 1, cur.toString());
            }
            return argv;
        }
    }
}
