package org.tinyphone.server.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tinyphone.server.config.TinyphoneConfig.Key;

/**
 * Names that are no setting, said the one way wherever they come from (the file, the command line, the
 * environment): "unknown ...: did you mean ...?"; and which {@code TINYPHONE_*} variables belong to the rest of
 * Tinyphone rather than being a typo.
 */
final class ConfigNames {
    private ConfigNames() {}

    /**
     * The one wording of every unknown name, wherever it came from: {@code "unknown config key 'http.prot' (command
     * line): did you mean 'http.port'? Every key is listed in docs/config.md and by --print-config."}, or without a
     * close name {@code "unknown config key 'x' (command line). Every key ..."}.
     *
     * @param what  what is unknown, as the message names it, e.g. {@code config key 'x' (file a.properties)}
     * @param quote how the suggested name is quoted ("'" or "")
     * @param where where the known names are listed (a sentence)
     */
    static String unknown(String what, String name, java.util.Collection<String> known, String quote, String where) {
        String close = closest(name, known);
        return "unknown " + what + (close == null ? ". " : ": did you mean " + quote + close + quote + "? ") + where;
    }

    /**
     * Variables named {@code TINYPHONE_*} that are not settings of the server but belong to the rest of Tinyphone;
     * they may be in the same environment (a shell profile, a systemd unit) and are no typo.
     */
    static final Map<String, String> OTHER_VARIABLES = otherVariables();

    private static Map<String, String> otherVariables() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("TINYPHONE_JAVA_OPTS", "JVM options of the ./tinyphone launcher");
        m.put("TINYPHONE_RELAY", "bin/tinyphone-agi: the server's relay address, host:port");
        m.put("TINYPHONE_RELAY_CONNECT_MS", "bin/tinyphone-agi: how long it tries to connect");
        m.put("TINYPHONE_RELAY_HANGUP_GRACE_MS", "bin/tinyphone-agi: how long it waits for the server after a hangup");
        m.put("TINYPHONE_RELAY_JAVA_OPTS", "bin/tinyphone-agi: its JVM options");
        m.put("TINYPHONE_RELAY_JAR", "bin/tinyphone-agi: the relay jar");
        m.put("TINYPHONE_RELAY_AOT", "bin/tinyphone-agi: 0 turns its AOT cache off");
        m.put("TINYPHONE_JAVA", "bin/tinyphone-agi: the java it runs");
        m.put("TINYPHONE_CACHE_DIR", "bin/tinyphone-agi: where it keeps its java choice and caches");
        m.put("TINYPHONE_AUDIO_FD", "bin/tinyphone-agi: the audio source instead of fd 3");
        return Collections.unmodifiableMap(m);
    }

    /** The environment variable of a token: {@code TINYPHONE_TOKEN_<number>} (or {@code TINYPHONE_TOKEN_*}). */
    private static final String TOKEN_VARIABLE = "TINYPHONE_TOKEN_";
    /** The environment variable of a number's media stream: {@code TINYPHONE_STREAM_<number>}. */
    private static final String STREAM_VARIABLE = "TINYPHONE_STREAM_";

    /**
     * A {@code TINYPHONE_*} variable that is neither a key's, a token's, a stream's nor one of {@link #OTHER_VARIABLES} is a typo,
     * an error as an unknown key in the file or on the command line is.
     */
    static void checkEnvironment(Map<String, String> env) {
        List<String> known = new ArrayList<>();
        for (Key k : ConfigKeys.ALL) known.add(k.envVar());
        known.addAll(OTHER_VARIABLES.keySet());
        for (String name : new java.util.TreeSet<>(env.keySet())) {
            if (!name.startsWith("TINYPHONE_") || known.contains(name)) continue;
            if (name.startsWith(TOKEN_VARIABLE) && name.length() > TOKEN_VARIABLE.length()) continue;
            // a number's stream (TINYPHONE_STREAM_13605162099, _*), as stream.<number> is; TINYPHONE_STREAM_RETRIS is no number
            if (name.startsWith(STREAM_VARIABLE) && TinyphoneConfig.isPerNumber("stream." + name.substring(STREAM_VARIABLE.length()))) continue;
            known.add(TOKEN_VARIABLE + "<number>");
            known.add(STREAM_VARIABLE + "<number>");
            throw new ConfigException(unknown("environment variable " + org.tinyphone.net.LogText.escape(name), name, known, "",
                    "Every setting's variable is listed in docs/config.md and by --print-config; the other "
                            + "TINYPHONE_ variables (launcher, bin/tinyphone-agi) are listed there too."));
        }
    }

    /** The closest of {@code known} to {@code name}, or null when none is close. */
    private static String closest(String name, java.util.Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            // names whose lengths differ by more than the hint's limit cannot be that close: skip the O(n*m) distance
            if (Math.abs(name.length() - k.length()) > 3) continue;
            int d = distance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= 3 ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
