package org.tinyphone.agi;

/**
 * Builds one AGI command line (no I/O). Arguments are quoted the way Asterisk's parser reads them: an argument
 * that is empty or contains a space, tab, {@code "} or {@code \} is wrapped in double quotes with {@code "} and
 * {@code \} escaped by a backslash; inner runs of spaces are kept. Line breaks cannot be sent over AGI and are
 * rejected.
 *
 * <pre>{@code AgiCommand.of("SET VARIABLE").arg("X").arg("a \"b\"  c").line()  ->  SET VARIABLE X "a \"b\"  c"}</pre>
 */
public final class AgiCommand {
    private final StringBuilder sb;

    private AgiCommand(String name) {
        checkLine(name);
        sb = new StringBuilder(name.length() + 48).append(name);
    }

    /** Starts a command, e.g. {@code of("STREAM FILE")}. */
    public static AgiCommand of(String name) { return new AgiCommand(name); }

    /** Appends an argument, quoted only if it needs to be. */
    public AgiCommand arg(String value) {
        sb.append(' ');
        appendArg(sb, value);
        return this;
    }

    /** Appends a number. */
    public AgiCommand arg(long value) {
        sb.append(' ').append(value);
        return this;
    }

    /** Appends an argument, always in double quotes (escape-digit sets, formats); null is sent as {@code ""}. */
    public AgiCommand quoted(String value) {
        sb.append(' ');
        appendQuoted(sb, value == null ? "" : value);
        return this;
    }

    /** The command line, without the terminating LF. */
    public String line() { return sb.toString(); }

    @Override
    public String toString() { return sb.toString(); }

    /**
     * Splits a command line into its words the way Asterisk's {@code parse_args()} reads them: runs of spaces and tabs
     * separate words, double quotes group (an empty {@code ""} is an empty word), a backslash makes the next character
     * plain. The inverse of {@link #arg(String)} and {@link #quoted(String)}; used by transports that carry out AGI
     * commands themselves (AGI over ARI).
     */
    public static java.util.List<String> parse(String line) {
        java.util.List<String> words = new java.util.ArrayList<>();
        StringBuilder cur = null;
        boolean quoted = false;
        boolean escaped = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (escaped) {
                if (cur == null) cur = new StringBuilder();
                cur.append(c);
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                if (!quoted && cur == null) cur = new StringBuilder();
                quoted = !quoted;
            } else if ((c == ' ' || c == '\t') && !quoted) {
                if (cur != null) words.add(cur.toString());
                cur = null;
            } else {
                if (cur == null) cur = new StringBuilder();
                cur.append(c);
            }
        }
        if (cur != null) words.add(cur.toString());
        return words;
    }

    /** True if Asterisk would split or unescape this value unless it is quoted. */
    public static boolean needsQuotes(String value) {
        if (value.isEmpty()) return true;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t' || c == '"' || c == '\\') return true;
        }
        return false;
    }

    /** The value as one AGI argument: unchanged if safe, else quoted and escaped. */
    public static String arg(String value, boolean alwaysQuote) {
        StringBuilder b = new StringBuilder(value.length() + 2);
        if (alwaysQuote) appendQuoted(b, value); else appendArg(b, value);
        return b.toString();
    }

    /** The value in double quotes with {@code "} and {@code \} escaped. */
    public static String quote(String value) { return arg(value, true); }

    private static void appendArg(StringBuilder b, String value) {
        if (value == null) throw new IllegalArgumentException("AGI argument must not be null");
        if (needsQuotes(value)) {
            appendQuoted(b, value);
        } else {
            checkLine(value);
            b.append(value);
        }
    }

    private static void appendQuoted(StringBuilder b, String value) {
        checkLine(value);
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') b.append('\\');
            b.append(c);
        }
        b.append('"');
    }

    static void checkLine(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == 0) {
                throw new IllegalArgumentException("AGI commands are single lines: line break or NUL in " + AgiReply.abbreviate(s.replace("\n", "\\n").replace("\r", "\\r")));
            }
        }
    }
}
