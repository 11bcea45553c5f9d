package org.tinyphone.ari;

/** Outside text made safe for a log line: control characters shown escaped (never a raw CR, LF or ESC), long text cut. */
final class LogText {
    static final int MAX = 200;

    private LogText() {}

    static String escape(String s) { return escape(s, MAX); }

    static String escape(String s, int max) {
        if (s == null) return "null";
        int n = Math.min(s.length(), max);
        StringBuilder b = new StringBuilder(n + 16);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (s.length() > max) b.append("... (").append(s.length()).append(" chars)");
        return b.toString();
    }
}
