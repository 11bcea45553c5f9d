package org.tinyphone.agi.fastagi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.tinyphone.agi.AgiApp;

/**
 * Script path to app: exact paths ({@code /hello}) win over patterns ({@code /ivr/*}, where {@code *} matches
 * any run of characters, slashes included); patterns are tried in registration order. Paths are compared with
 * a leading slash and without the query, so {@code hello} and {@code /hello} name the same route.
 */
public final class AgiRoutes {
    private final Map<String, AgiApp> exact = new LinkedHashMap<>();
    private final List<Pattern> patterns = new ArrayList<>();
    private final List<String> patternTexts = new ArrayList<>();
    private final List<AgiApp> patternApps = new ArrayList<>();

    /** Registers an app for an exact path or a {@code *} pattern. */
    public AgiRoutes add(String pathOrPattern, AgiApp app) {
        if (app == null) throw new IllegalArgumentException("app must not be null for route " + pathOrPattern);
        String p = normalize(pathOrPattern);
        if (p.indexOf('*') < 0) {
            if (exact.putIfAbsent(p, app) != null) throw new IllegalArgumentException("route registered twice: " + p);
        } else {
            String[] parts = p.split("\\*", -1);
            StringBuilder rx = new StringBuilder();
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) rx.append(".*");
                if (!parts[i].isEmpty()) rx.append(Pattern.quote(parts[i]));
            }
            patterns.add(Pattern.compile(rx.toString()));
            patternTexts.add(p);
            patternApps.add(app);
        }
        return this;
    }

    /** The app for a script path, or null if no route matches. */
    public AgiApp find(String scriptPath) {
        String p = normalize(scriptPath);
        AgiApp app = exact.get(p);
        if (app != null) return app;
        for (int i = 0; i < patterns.size(); i++) {
            if (patterns.get(i).matcher(p).matches()) return patternApps.get(i);
        }
        return null;
    }

    /** Every registered path and pattern, for messages. */
    public List<String> describe() {
        List<String> all = new ArrayList<>(exact.keySet());
        all.addAll(patternTexts);
        return all;
    }

    /** A copy that later {@link #add}s to this one do not change (a built server keeps the routes it was built with). */
    AgiRoutes copy() {
        AgiRoutes c = new AgiRoutes();
        c.exact.putAll(exact);
        c.patterns.addAll(patterns);
        c.patternTexts.addAll(patternTexts);
        c.patternApps.addAll(patternApps);
        return c;
    }

    public boolean isEmpty() { return exact.isEmpty() && patterns.isEmpty(); }

    static String normalize(String path) {
        if (path == null) return "/";
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) p = p.substring(0, q);
        int i = 0;
        while (i < p.length() && p.charAt(i) == '/') i++;
        return "/" + p.substring(i);
    }
}
