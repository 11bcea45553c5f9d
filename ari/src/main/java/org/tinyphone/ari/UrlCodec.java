package org.tinyphone.ari;

import java.nio.charset.StandardCharsets;

/**
 * Percent-encoding of ids and values put into ARI URLs, so that a value can never change the path or add a
 * parameter: {@code /}, {@code ?}, {@code #}, {@code %}, {@code &}, {@code =}, {@code +}, {@code ;}, spaces,
 * control characters and non-ASCII are encoded; letters, digits and {@code -._~:@!$'()*,} stay as they are
 * (so {@code variable=CALLERID(num)} and {@code media=sound:hello-world} read as Asterisk's own examples do).
 * A path segment made only of dots is encoded too ({@code ..} cannot climb).
 */
final class UrlCodec {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private UrlCodec() {}

    /** One path segment. */
    static String segment(String s) {
        if (s.isEmpty()) throw new IllegalArgumentException("an ARI id must not be empty");
        boolean dots = true;
        for (int i = 0; i < s.length(); i++) dots &= s.charAt(i) == '.';
        if (dots) return "%2E".repeat(s.length());
        return encode(s, false);
    }

    /** A query parameter name or value ({@code /} may stay: {@code endpoint=Local/ari@tp-ari}). */
    static String query(String s) { return encode(s, true); }

    private static String encode(String s, boolean slashOk) {
        int i = 0;
        while (i < s.length() && keep(s.charAt(i), slashOk)) i++;
        if (i == s.length()) return s;
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (byte x : s.substring(i).getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c < 0x80 && keep((char) c, slashOk)) {
                b.append((char) c);
            } else {
                b.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return b.toString();
    }

    private static boolean keep(char c, boolean slashOk) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') return true;
        return switch (c) {
            case '-', '.', '_', '~', ':', '@', '!', '$', '\'', '(', ')', '*', ',' -> true;
            case '/' -> slashOk;
            default -> false;
        };
    }
}
