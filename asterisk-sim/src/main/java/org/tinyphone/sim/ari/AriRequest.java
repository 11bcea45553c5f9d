package org.tinyphone.sim.ari;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One REST request as the simulated Asterisk received it (over HTTP, or as a RESTRequest over a WebSocket).
 *
 * @param method  GET, POST, PUT, DELETE, ...
 * @param path    below {@code /ari/}, as sent (percent-encoding kept), e.g. {@code channels/1796391224.62/answer}
 * @param query   the raw query string as sent ({@code ""} if none)
 * @param params  the query (and form body) parameters, decoded, in order
 * @param headers request headers, names lower-case (first value)
 * @param body    the body text ({@code ""} if none)
 */
public record AriRequest(String method, String path, String query, List<Map.Entry<String, String>> params,
                         Map<String, String> headers, String body) {

    /** The request line as it would read on the wire: {@code POST /ari/channels/x/play?media=sound:hello HTTP/1.1}. */
    public String requestLine() { return method + " /ari/" + path + (query.isEmpty() ? "" : "?" + query) + " HTTP/1.1"; }

    /** The first value of a parameter, or null. */
    public String param(String name) {
        for (Map.Entry<String, String> e : params) if (e.getKey().equals(name)) return e.getValue();
        return null;
    }

    /** Every value of a parameter, in order. */
    public List<String> params(String name) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : params) if (e.getKey().equals(name)) out.add(e.getValue());
        return out;
    }

    /** The path's segments, percent-decoded. */
    public List<String> segments() {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/", -1)) out.add(decode(s, false));
        return out;
    }

    /** Parses {@code a=b&c=d} (percent-decoded; {@code +} is a space, as Asterisk reads a query). */
    public static List<Map.Entry<String, String>> parseQuery(String query) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        if (query == null || query.isEmpty()) return out;
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            out.add(Map.entry(decode(eq < 0 ? pair : pair.substring(0, eq), true), eq < 0 ? "" : decode(pair.substring(eq + 1), true)));
        }
        return out;
    }

    static String decode(String s, boolean plusIsSpace) {
        try {
            return URLDecoder.decode(plusIsSpace ? s : s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    @Override
    public String toString() { return requestLine(); }
}
