package org.tinyphone.net;

/**
 * Outside text made safe for one log line: whatever a peer sent (a relay line, a caller id, a script path) can
 * neither end the line, forge another one, nor drive the terminal that shows the log.
 *
 * <p>Shown visibly: {@code \r} {@code \n} {@code \t}, every other C0 control, DEL and every C1 control as
 * {@code \xNN} (so ESC is {@code \x1b}); line and paragraph separators, bidirectional and other invisible format
 * characters (U+2028, U+202E, U+FEFF …) and unpaired surrogates as {@code \}{@code uNNNN}; the backslash itself as
 * {@code \\}, so an escape in the log always means an escape. A value longer than the limit is cut, with a marker
 * that says how much was left out.
 */
public final class LogText {
    /** How many characters of a value {@link #escape(Object)} keeps. */
    public static final int DEFAULT_MAX_CHARS = 256;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {}

    /**
     * An address as the logs show every address: {@code host:port}, an IPv6 host in brackets ({@code [::1]:12002}),
     * never {@code InetSocketAddress}'s {@code /127.0.0.1:12002} form. No name is looked up.
     */
    public static String address(String host, int port) {
        String h = host.startsWith("/") ? host.substring(1) : host;
        return escape(h.indexOf(':') >= 0 && !h.startsWith("[") ? "[" + h + "]:" + port : h + ":" + port);
    }

    /** {@link #address(String, int)} of a socket address (an unresolved or non-IP one: its text, escaped). */
    public static String address(java.net.SocketAddress address) {
        return address instanceof java.net.InetSocketAddress a ? address(a.getHostString(), a.getPort()) : escape(address);
    }

    /** {@code value}'s text (null: "null"), escaped and cut at {@value #DEFAULT_MAX_CHARS} characters. */
    public static String escape(Object value) {
        return escape(value, DEFAULT_MAX_CHARS);
    }

    /** {@code value}'s text (null: "null"), escaped and cut at {@code maxChars} characters (at least 1). */
    public static String escape(Object value, int maxChars) {
        if (maxChars < 1) throw new IllegalArgumentException("maxChars must be at least 1: " + maxChars);
        String s = String.valueOf(value);
        int end = s.length();
        if (end > maxChars) {
            end = maxChars;
            if (Character.isHighSurrogate(s.charAt(end - 1)) && Character.isLowSurrogate(s.charAt(end))) end--;
        }
        int first = firstUnsafe(s, end);
        if (first == end && end == s.length()) return s; // the usual case: nothing to do, nothing allocated
        StringBuilder sb = new StringBuilder(end + 16);
        sb.append(s, 0, first);
        for (int i = first; i < end; i++) {
            char c = s.charAt(i);
            if (!unsafe(s, i, end)) {
                sb.append(c);
                continue;
            }
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x100) {
                        sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                                .append(HEX[c & 0xf]);
                    }
                }
            }
        }
        if (end < s.length()) sb.append("...[+").append(s.length() - end).append(" chars]");
        return sb.toString();
    }

    private static int firstUnsafe(String s, int end) {
        for (int i = 0; i < end; i++) {
            if (unsafe(s, i, end)) return i;
        }
        return end;
    }

    /** Whether the char at {@code i} must be escaped ({@code end}: where the kept text ends). */
    private static boolean unsafe(String s, int i, int end) {
        char c = s.charAt(i);
        if (c >= 0x20 && c < 0x7f) return c == '\\';
        if (c < 0x20 || c <= 0x9f) return true; // C0, DEL, C1
        if (Character.isHighSurrogate(c)) return i + 1 >= end || !Character.isLowSurrogate(s.charAt(i + 1));
        if (Character.isLowSurrogate(c)) return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        int type = Character.getType(c);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }
}
