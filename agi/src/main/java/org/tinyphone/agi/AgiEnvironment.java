package org.tinyphone.agi;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code agi_*} block Asterisk sends when an AGI session starts (FastAGI, process AGI, EAGI, AsyncAGI).
 * Values are kept verbatim in {@link #asMap()}; typed accessors return {@code ""} where Asterisk says
 * {@code unknown}.
 */
public final class AgiEnvironment {
    /** Most {@code agi_*} lines accepted in one block (Asterisk sends ~25 plus one per argument). */
    public static final int MAX_LINES = 512;

    private final Map<String, String> values;
    private final List<String> args;

    private AgiEnvironment(Map<String, String> values, List<String> args) {
        this.values = values;
        this.args = args;
    }

    /**
     * Parses the block's lines (without the terminating empty line; an empty line ends parsing).
     *
     * @throws AgiProtocolException for a line that is not {@code agi_<name>: <value>}
     */
    public static AgiEnvironment parse(Iterable<String> lines) {
        Map<String, String> values = new LinkedHashMap<>(48);
        TreeMap<Integer, String> numbered = null;
        int count = 0;
        for (String line : lines) {
            if (line.isEmpty()) break;
            if (++count > MAX_LINES) throw new AgiProtocolException("AGI environment longer than " + MAX_LINES + " lines");
            int colon = line.indexOf(':');
            if (!line.startsWith("agi_") || colon < 5 || line.indexOf(' ') >= 0 && line.indexOf(' ') < colon) {
                throw new AgiProtocolException("malformed AGI environment line: " + AgiReply.abbreviate(line));
            }
            String key = line.substring(0, colon);
            int v = colon + 1;
            if (v < line.length() && line.charAt(v) == ' ') v++;
            String value = line.substring(v);
            values.put(key, value);
            if (key.startsWith("agi_arg_")) {
                try {
                    if (numbered == null) numbered = new TreeMap<>();
                    numbered.put(Integer.parseInt(key.substring(8)), value);
                } catch (NumberFormatException e) {
                    throw new AgiProtocolException("malformed AGI argument name: " + key);
                }
            }
        }
        if (values.isEmpty()) throw new AgiProtocolException("empty AGI environment");
        List<String> args = numbered == null ? List.of() : List.copyOf(numbered.values());
        return new AgiEnvironment(Collections.unmodifiableMap(values), args);
    }

    /** Parses a block given as text ({@code agi_x: y} lines separated by LF; ends at the first empty line). */
    public static AgiEnvironment parse(String block) {
        List<String> lines = new ArrayList<>();
        for (String l : block.split("\n", -1)) {
            lines.add(l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
        }
        return parse(lines);
    }

    /** A value by name, with or without the {@code agi_} prefix; null if Asterisk did not send it. */
    public String get(String name) {
        String v = values.get(name);
        if (v == null && !name.startsWith("agi_")) v = values.get("agi_" + name);
        return v;
    }

    private String known(String name) {
        String v = values.get(name);
        return v == null || v.equals("unknown") ? "" : v;
    }

    /** Every line as sent, keyed by full name ({@code agi_callerid}), in Asterisk's order. */
    public Map<String, String> asMap() { return values; }

    /** {@code agi_channel}, e.g. {@code PJSIP/100-00000001}. */
    public String channel() { return known("agi_channel"); }

    /** {@code agi_uniqueid}. */
    public String uniqueId() { return known("agi_uniqueid"); }

    /** {@code agi_callerid} (number); {@code ""} if unknown. */
    public String callerId() { return known("agi_callerid"); }

    /** {@code agi_calleridname}; {@code ""} if unknown. */
    public String callerIdName() { return known("agi_calleridname"); }

    /** {@code agi_dnid}, the dialed number; {@code ""} if unknown. */
    public String dnid() { return known("agi_dnid"); }

    /** {@code agi_rdnis}; {@code ""} if unknown. */
    public String rdnis() { return known("agi_rdnis"); }

    /** {@code agi_language}. */
    public String language() { return known("agi_language"); }

    /** {@code agi_type}, the channel technology. */
    public String type() { return known("agi_type"); }

    /** {@code agi_context}. */
    public String context() { return known("agi_context"); }

    /** {@code agi_extension}. */
    public String extension() { return known("agi_extension"); }

    /** {@code agi_priority}. */
    public String priority() { return known("agi_priority"); }

    /** {@code agi_version}, the Asterisk version. */
    public String version() { return known("agi_version"); }

    /** {@code agi_request}: the FastAGI URL, the script name (process AGI), {@code async}, or {@code stasis:<app>} over ARI. */
    public String request() { return known("agi_request"); }

    /** {@code agi_accountcode}. */
    public String accountCode() { return known("agi_accountcode"); }

    /** True for FastAGI ({@code agi_network: yes}). */
    public boolean network() { return "yes".equals(values.get("agi_network")); }

    /** True for EAGI ({@code agi_enhanced: 1.0}): audio is readable on fd 3. */
    public boolean enhanced() {
        String e = values.get("agi_enhanced");
        return e != null && !e.isEmpty() && !e.startsWith("0");
    }

    /** The AGI() arguments after the script ({@code agi_arg_1}, {@code agi_arg_2}, ...) in order. */
    public List<String> args() { return args; }

    /**
     * The script path without query: {@code /hello} for {@code agi://host:4573/hello?lang=en} (always with a
     * leading slash for FastAGI; {@code /hello} for the Stasis app {@code hello} when the app runs over ARI); the script
     * name for process AGI; {@code async} for AsyncAGI.
     */
    public String scriptPath() {
        String s = scriptAndQuery();
        int q = s.indexOf('?');
        String path = q < 0 ? s : s.substring(0, q);
        if (network() || isUrl(request()) || request().startsWith("stasis:")) {
            int i = 0;
            while (i < path.length() && path.charAt(i) == '/') i++;
            return "/" + path.substring(i);
        }
        return path;
    }

    /** The {@code ?query} parameters of the script path, URL-decoded, in order (first value wins). */
    public Map<String, String> query() {
        String s = scriptAndQuery();
        int q = s.indexOf('?');
        if (q < 0 || q == s.length() - 1) return Map.of();
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : s.substring(q + 1).split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.putIfAbsent(k, v);
        }
        return Collections.unmodifiableMap(out);
    }

    private String scriptAndQuery() {
        String ns = values.get("agi_network_script");
        if (ns != null) return ns;
        String req = request();
        if (isUrl(req)) {
            int schemeEnd = req.indexOf("://") + 3;
            int slash = req.indexOf('/', schemeEnd);
            return slash < 0 ? "" : req.substring(slash + 1);
        }
        return req;
    }

    private static boolean isUrl(String s) {
        return s.startsWith("agi://") || s.startsWith("agis://") || s.startsWith("hagi://");
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    @Override
    public String toString() {
        return "AgiEnvironment[" + scriptPath() + " channel=" + channel() + " uniqueid=" + uniqueId() + "]";
    }
}
