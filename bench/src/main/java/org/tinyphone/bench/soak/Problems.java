package org.tinyphone.bench.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A bounded list of problems the soak found, with their total count: the first {@value #KEEP} are kept for the
 * report, the rest only counted. {@link #printable} makes outside text safe for one of its lines. Thread-safe.
 */
final class Problems {
    private static final int KEEP = 40;
    private final List<String> first = new ArrayList<>();
    private long count;

    synchronized void add(String problem) {
        count++;
        if (first.size() < KEEP) first.add(problem);
    }

    synchronized long count() { return count; }

    synchronized List<String> first() { return List.copyOf(first); }

    /** Outside text made safe for one line of a report. */
    static String printable(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            else b.append(c);
        }
        if (s.length() > 200) b.append("…");
        return b.toString();
    }
}
