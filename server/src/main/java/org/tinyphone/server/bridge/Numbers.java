package org.tinyphone.server.bridge;

/**
 * Dialed numbers in the one form the server compares them in, everywhere (routing, subscriptions, tokens):
 * white space, {@code - . ( )} and a leading {@code +} are removed, so {@code +1 (360) 516-2099},
 * {@code 1-360-516-2099} and {@code 13605162099} are the same number. Letters and other characters are kept as they
 * are (an extension may be a name). {@code "*"} (every number) stays {@code "*"}.
 */
public final class Numbers {
    private Numbers() {}

    /** The normal form of a number ("" for null or a number made only of separators). */
    public static String normalize(String number) {
        if (number == null) return "";
        StringBuilder sb = new StringBuilder(number.length());
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            if (isSeparator(c) || (c == '+' && sb.isEmpty())) continue;
            sb.append(c);
        }
        return sb.length() == number.length() ? number : sb.toString();
    }

    /** Longest number a client may name (to watch, stream, or as the page's address). */
    public static final int MAX_LENGTH = 64;

    /**
     * Why {@code normal} (a {@link #normalize normal form}) is no number a client may name, or null when it is one:
     * 1 to {@value #MAX_LENGTH} characters, no control characters. The one check of every way a client names one.
     */
    public static String problem(String normal) {
        if (normal.isEmpty() || normal.length() > MAX_LENGTH) return "number must be 1.." + MAX_LENGTH + " characters";
        if (normal.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) return "number has control characters";
        return null;
    }

    private static boolean isSeparator(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '-' || c == '.' || c == '(' || c == ')';
    }
}
