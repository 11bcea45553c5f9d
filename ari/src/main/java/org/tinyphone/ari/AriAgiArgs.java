package org.tinyphone.ari;

import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinyphone.agi.AgiException;

/** How AGI commands over ARI read their arguments and word their replies: offsets, zones, {@code ${...}}, usage, errors. */
final class AriAgiArgs {
    private static final Pattern REF = Pattern.compile("\\$\\{([^${}]*)}");

    private AriAgiArgs() { }

    /** {@code ${NAME}} and {@code ${FUNC(args)}} read one by one from {@code channel} (ARI evaluates no whole expressions). */
    static String expand(Ari ari, String expression, String channel, String line) {
        if (expression.contains("$[")) throw unsupported(line, "ARI evaluates no $[...] expressions");
        Matcher m = REF.matcher(expression);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = ari.channels().getVariable(channel, m.group(1)).orElse("");
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        if (out.indexOf("${") >= 0) throw unsupported(line, "ARI reads no nested ${...} references");
        return out.toString();
    }

    /** A value as GET VARIABLE answers it: {@code 200 result=1 (value)}, or {@code 200 result=0} when there is none. */
    static String found(Optional<String> v) { return v.map(s -> "200 result=1 (" + s + ")").orElse("200 result=0"); }

    /** Argument {@code i}, or {@code dflt} when it is missing or empty. */
    static String arg(List<String> a, int i, String dflt) { return a.size() > i && !a.get(i).isEmpty() ? a.get(i) : dflt; }

    /** An offset argument as milliseconds: STREAM FILE gives samples (8 kHz), CONTROL STREAM FILE milliseconds. */
    static Integer offsetMs(List<String> a, int i, boolean samples) {
        if (a.size() <= i || a.get(i).isEmpty()) return null;
        long v = Long.parseLong(a.get(i));
        if (v <= 0) return null;
        return (int) (samples ? v / 8 : v);
    }

    /** Refuses the SAY DATE/TIME commands on a channel whose language is not English (the words are put in English order). */
    static void english(String language, String line) {
        if (language != null && !language.isEmpty() && !language.toLowerCase(Locale.ROOT).startsWith("en")) {
            throw unsupported(line, "dates and times are put together here in English word order; the channel's language is " + language);
        }
    }

    static ZoneId zone(String tz, String line) {
        try {
            return ZoneId.of(tz);
        } catch (RuntimeException e) {
            throw unsupported(line, "unknown time zone " + tz);
        }
    }

    /** The 520 reply Asterisk gives to a command with the wrong arguments. */
    static String usage(String name) {
        return "520-Invalid command syntax.  Proper usage follows:\nUsage: " + name + " (see docs/agi-commands.md)\n520 End of proper usage.";
    }

    static AgiException unsupported(String line, String why) {
        return new AgiException("'" + line + "' cannot run over ARI: " + why);
    }
}
