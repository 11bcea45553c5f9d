package org.tinyphone.agi;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One reply from Asterisk to an AGI command, parsed from its wire text (no I/O here).
 *
 * <p>Forms seen from Asterisk 22: {@code 200 result=<r>[ (<data>)][ endpos=<n>][ key=value...]},
 * {@code 200 result=0 Gosub complete} (free text), {@code 100 result=0 Trying...} (provisional),
 * {@code 510 Invalid or unknown command}, {@code 511 Command Not Permitted on a dead channel or intercept routine},
 * and the multi-line {@code 520-Invalid command syntax.  Proper usage follows:} / usage lines /
 * {@code 520 End of proper usage.}
 */
public final class AgiReply {
    private static final long NO_ENDPOS = Long.MIN_VALUE;

    private final int status;
    private final String result;   // the token after "result=", "" when empty, null when absent
    private final String data;     // text inside "( )" after the result, null when absent
    private final String rest;     // what follows result and data (attributes or free text); "" when none
    private final String usage;    // 520 usage body, lines joined by '\n'; "" otherwise
    private final String raw;
    private long endpos = NO_ENDPOS - 1; // lazily parsed; NO_ENDPOS - 1 = not looked up yet
    private Map<String, String> attributes; // lazily parsed

    private AgiReply(int status, String result, String data, String rest, String usage, String raw) {
        this.status = status;
        this.result = result;
        this.data = data;
        this.rest = rest;
        this.usage = usage;
        this.raw = raw;
    }

    /**
     * Parses a complete reply: one line, or a whole {@code 520-} block (lines separated by LF). A trailing
     * line break is ignored, so the URL-decoded {@code Result:} of an AsyncAGIExec event can be passed as is.
     *
     * @throws AgiProtocolException if the text is not an AGI reply
     */
    public static AgiReply parse(String text) {
        if (text == null) throw new AgiProtocolException("no AGI reply (null)");
        String t = text;
        while (t.endsWith("\n") || t.endsWith("\r")) t = t.substring(0, t.length() - 1);
        int nl = t.indexOf('\n');
        if (nl < 0) return parseLine(t);
        List<String> lines = t.lines().map(AgiReply::stripCr).toList();
        return parseBlock(lines);
    }

    private static String stripCr(String s) {
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Parses a multi-line block: first line {@code NNN-text}, body lines, last line {@code NNN text}. */
    static AgiReply parseBlock(List<String> lines) {
        String first = lines.get(0);
        if (lines.size() == 1) return parseLine(first);
        int status = statusOf(first);
        if (first.length() < 4 || first.charAt(3) != '-') {
            throw new AgiProtocolException("not a multi-line AGI reply: " + first);
        }
        String last = lines.get(lines.size() - 1);
        if (statusOf(last) != status || (last.length() > 3 && last.charAt(3) != ' ')) {
            throw new AgiProtocolException("multi-line AGI reply does not end with '" + status + " ...': " + last);
        }
        String usage = String.join("\n", lines.subList(1, lines.size() - 1));
        return new AgiReply(status, null, null, first.substring(4), usage, String.join("\n", lines));
    }

    /** Parses a single-line reply. */
    static AgiReply parseLine(String line) {
        int status = statusOf(line);
        if (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
            throw new AgiProtocolException("not an AGI reply: " + abbreviate(line));
        }
        if (line.length() <= 4) return new AgiReply(status, null, null, "", "", line);
        String after = line.substring(4);
        if (!after.startsWith("result=")) {
            return new AgiReply(status, null, null, after, "", line);
        }
        int tokStart = 7;
        int tokEnd = after.indexOf(' ', tokStart);
        if (tokEnd < 0) return new AgiReply(status, after.substring(tokStart), null, "", "", line);
        String result = after.substring(tokStart, tokEnd);
        int p = tokEnd + 1;
        String data = null;
        String rest;
        if (p < after.length() && after.charAt(p) == '(') {
            int close = dataEnd(after, p);
            if (close >= 0) {
                data = after.substring(p + 1, close);
                rest = close + 2 <= after.length() ? after.substring(Math.min(close + 2, after.length())) : "";
            } else {
                rest = after.substring(p);
            }
        } else {
            rest = after.substring(p);
        }
        return new AgiReply(status, result, data, rest, "", line);
    }

    /** The rightmost ')' after which only {@code key=value} attributes follow (data may itself contain parentheses). */
    private static int dataEnd(String s, int open) {
        boolean[] attributes = attributeSuffixes(s);
        for (int j = s.length() - 1; j > open; j--) {
            if (s.charAt(j) == ')' && attributes[j + 1]) return j;
        }
        return -1;
    }

    /**
     * For every position i of s, whether s[i..] is empty or a sequence of " key=value" pairs (value bare or
     * "quoted"), in one pass from the right: a line full of parentheses costs linear time, not quadratic (checking
     * the suffix after each ')' anew was quadratic in the peer's line: docs/fuzzing.md, AgiReplyFuzzTest).
     */
    private static boolean[] attributeSuffixes(String s) {
        int n = s.length();
        boolean[] ok = new boolean[n + 1];
        int[] nextSpace = new int[n + 1]; // first ' ' at or after i, n if none
        int[] nextQuote = new int[n + 1]; // first '"' at or after i, -1 if none
        ok[n] = true;
        nextSpace[n] = n;
        nextQuote[n] = -1;
        int keyEnd = n;                   // end of the run of key characters starting at i + 1
        for (int i = n - 1; i >= 0; i--) {
            char c = s.charAt(i);
            nextSpace[i] = c == ' ' ? i : nextSpace[i + 1];
            nextQuote[i] = c == '"' ? i : nextQuote[i + 1];
            if (c == ' ' && keyEnd > i + 1 && keyEnd < n && s.charAt(keyEnd) == '=') {
                int v = keyEnd + 1;
                if (v < n && s.charAt(v) == '"') {
                    int q = nextQuote[v + 1];
                    ok[i] = q >= 0 && ok[q + 1];
                } else {
                    ok[i] = ok[nextSpace[v]];
                }
            }
            keyEnd = isKeyChar(c) ? keyEnd : i;
        }
        return ok;
    }

    private static boolean isKeyChar(char c) { return Character.isLetterOrDigit(c) || c == '_'; }

    private static int statusOf(String line) {
        if (line.length() < 3 || !isDigit(line.charAt(0)) || !isDigit(line.charAt(1)) || !isDigit(line.charAt(2))) {
            throw new AgiProtocolException("not an AGI reply: " + abbreviate(line));
        }
        return (line.charAt(0) - '0') * 100 + (line.charAt(1) - '0') * 10 + (line.charAt(2) - '0');
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "... (" + s.length() + " chars)";
    }

    /** The status code: 100 (provisional), 200, 510, 511, 520, or another Asterisk code such as 503. */
    public int status() { return status; }

    /** {@code 200}: the command ran (its result may still report a failure). */
    public boolean isSuccess() { return status == 200; }

    /** {@code 100 Trying...}: provisional, the final reply follows (GOSUB). */
    public boolean isTrying() { return status == 100; }

    /** {@code 510}: Asterisk does not know this command. */
    public boolean isInvalidCommand() { return status == 510; }

    /** {@code 511}: not permitted on a dead channel (the caller hung up) or in an intercept routine. */
    public boolean isDeadChannel() { return status == 511; }

    /** {@code 520}: wrong usage; {@link #usage()} holds Asterisk's usage text. */
    public boolean isUsageError() { return status == 520; }

    /** The raw token after {@code result=} ({@code ""} for {@code "result= (timeout)"}), or null when absent. */
    public String result() { return result; }

    /** The result as a number. @throws AgiProtocolException if there is no numeric result */
    public int resultCode() {
        if (result == null || result.isEmpty()) {
            throw new AgiProtocolException("AGI reply has no numeric result: " + abbreviate(raw));
        }
        try {
            return Integer.parseInt(result);
        } catch (NumberFormatException e) {
            throw new AgiProtocolException("AGI reply has no numeric result: " + abbreviate(raw));
        }
    }

    /** The text in parentheses after the result ({@code "hello world"}, {@code "timeout"}), or null when absent. */
    public String data() { return data; }

    /** The {@code endpos=} value, if the reply carries one. */
    public OptionalLong endpos() {
        if (endpos == NO_ENDPOS - 1) {
            String e = attribute("endpos");
            long v = NO_ENDPOS;
            if (e != null) {
                try {
                    v = Long.parseLong(e);
                } catch (NumberFormatException ignored) {
                    v = NO_ENDPOS;
                }
            }
            endpos = v;
        }
        return endpos == NO_ENDPOS ? OptionalLong.empty() : OptionalLong.of(endpos);
    }

    /** A {@code key=value} attribute after the result ({@code endpos}, {@code digit}, {@code score0}, ...), unquoted; null if absent. */
    public String attribute(String key) {
        return attributes().get(key);
    }

    /** The attributes, read once (SPEECH RECOGNIZE asks for text0, text1, ... in turn); empty if rest is not attributes. */
    private Map<String, String> attributes() {
        Map<String, String> a = attributes;
        if (a != null) return a;
        a = new HashMap<>();
        String s = " " + rest;
        if (!rest.isEmpty() && attributeSuffixes(s)[0]) {
            int n = s.length();
            int i = 0;
            while (i < n) {              // s[i] is the space before a key: the grammar was checked above
                int eq = s.indexOf('=', i);
                String k = s.substring(i + 1, eq);
                int v = eq + 1;
                int end;
                String value;
                if (v < n && s.charAt(v) == '"') {
                    end = s.indexOf('"', v + 1);
                    value = s.substring(v + 1, end);
                    end++;
                } else {
                    end = s.indexOf(' ', v);
                    if (end < 0) end = n;
                    value = s.substring(v, end);
                }
                a.putIfAbsent(k, value);
                i = end;
            }
        }
        a = Map.copyOf(a);
        attributes = a;
        return a;
    }

    /**
     * Free text of the reply: {@code "Gosub complete"}, {@code "Trying..."}, {@code "Invalid or unknown command"},
     * the first line of a 520 block; the attribute text for {@code 200 result=.. endpos=..}; {@code ""} if none.
     */
    public String text() { return rest; }

    /** The usage text of a multi-line 520 reply (body lines joined by LF, doc markup kept); {@code ""} otherwise. */
    public String usage() { return usage; }

    /** The reply exactly as received (lines joined by LF, no trailing LF). */
    public String raw() { return raw; }

    @Override
    public String toString() { return raw; }
}
