package org.tinyphone.sim.ari;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinyphone.sim.Transcript;

/**
 * An ARI capture (09a-09d, 10a, 10c) read into steps: HTTP requests and responses (one per {@code [tag]} connection,
 * header lines and body put back together), WebSocket upgrades, text messages each way, close frames. Lines are
 * tagged with their connection ({@code [ws]}, {@code [rest]}, {@code [out]}, ...); harness and socket lines are kept
 * as {@link Note}s so a replay can be cut into sections.
 */
public final class AriCapture {
    private static final Pattern TAG = Pattern.compile("^\\[([^\\]]+)\\] ?(.*)$");
    private static final Pattern REQUEST = Pattern.compile("^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) (\\S+) HTTP/1\\.1$");
    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 (\\d{3}) ?(.*)$");
    private static final Pattern CLOSE = Pattern.compile("^CLOSE frame(?::| \\(echo of) status code (\\d+).*$");

    /** One step of the exchange, in recorded order. {@code fromAsterisk} tells who sent it. */
    public sealed interface Step permits Request, Response, Text, Close, Note {
        String tag();
        boolean fromAsterisk();
    }

    /** An HTTP request head and body (also a WebSocket upgrade request). */
    public record Request(String tag, boolean fromAsterisk, String method, String target, Map<String, String> headers, String body)
            implements Step {
        /** The path without the query. */
        public String path() { int q = target.indexOf('?'); return q < 0 ? target : target.substring(0, q); }
        /** The raw query ({@code ""} if none). */
        public String query() { int q = target.indexOf('?'); return q < 0 ? "" : target.substring(q + 1); }
        public String line() { return method + " " + target + " HTTP/1.1"; }
        public boolean isUpgrade() { return "websocket".equalsIgnoreCase(headers.get("upgrade")); }
    }

    /** An HTTP response head and body (also the answer to an upgrade). */
    public record Response(String tag, boolean fromAsterisk, int status, String reason, Map<String, String> headers, String body)
            implements Step {}

    /** A WebSocket text message. */
    public record Text(String tag, boolean fromAsterisk, String text) implements Step {}

    /** A WebSocket close frame. */
    public record Close(String tag, boolean fromAsterisk, int code) implements Step {}

    /** A harness ({@code ##}) or socket ({@code --}) line. */
    public record Note(String tag, boolean fromAsterisk, String text) implements Step {}

    private AriCapture() {}

    /** Reads a shipped capture. */
    public static List<Step> load(String fileName) { return steps(Transcript.load(fileName)); }

    /** The steps of a transcript. */
    public static List<Step> steps(Transcript t) {
        List<Step> out = new ArrayList<>();
        List<Transcript.Entry> es = t.entries();
        int i = 0;
        while (i < es.size()) {
            Transcript.Entry e = es.get(i);
            if (e.dir() == Transcript.Dir.HARNESS || e.dir() == Transcript.Dir.SOCKET) {
                Matcher m = TAG.matcher(e.text());
                out.add(new Note(m.matches() ? m.group(1) : "", false, e.text()));
                i++;
                continue;
            }
            boolean fromAsterisk = e.dir() == Transcript.Dir.ASTERISK;
            Matcher m = TAG.matcher(e.text());
            if (!m.matches()) {
                out.add(new Note("", fromAsterisk, e.text()));
                i++;
                continue;
            }
            String tag = m.group(1);
            String text = m.group(2);
            Matcher req = REQUEST.matcher(text);
            Matcher status = STATUS.matcher(text);
            Matcher close = CLOSE.matcher(text);
            if (req.matches() || status.matches()) {
                Map<String, String> headers = new LinkedHashMap<>();
                int j = i + 1;
                while (j < es.size() && same(es.get(j), tag, e.dir())) {
                    String h = body(es.get(j));
                    j++;
                    if (h.isEmpty()) break;
                    int colon = h.indexOf(':');
                    if (colon > 0) headers.putIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                }
                int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
                StringBuilder body = new StringBuilder();
                while (length > 0 && j < es.size() && same(es.get(j), tag, e.dir())
                        && body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < length) {
                    String line = body(es.get(j));
                    if (REQUEST.matcher(line).matches() || STATUS.matcher(line).matches()) break;
                    if (body.length() > 0) body.append('\n');
                    body.append(line);
                    j++;
                }
                if (req.matches()) {
                    out.add(new Request(tag, fromAsterisk, req.group(1), req.group(2), headers, body.toString()));
                } else {
                    out.add(new Response(tag, fromAsterisk, Integer.parseInt(status.group(1)), status.group(2), headers, body.toString()));
                }
                i = j;
                continue;
            }
            if (close.matches()) {
                out.add(new Close(tag, fromAsterisk, Integer.parseInt(close.group(1))));
            } else if (!text.isEmpty()) {
                out.add(new Text(tag, fromAsterisk, text));
            }
            i++;
        }
        return out;
    }

    /**
     * The steps without those {@code drop} matches; a dropped HTTP request takes its response along, a dropped
     * RESTRequest (or a text that is no request at all) its RESTResponse (Asterisk answers a request without ids
     * with {@code ""}).
     */
    public static List<Step> without(List<Step> steps, java.util.function.Predicate<Step> drop) {
        List<Step> keep = new ArrayList<>();
        java.util.Set<String> responseDue = new java.util.HashSet<>();
        java.util.Set<String> transactions = new java.util.HashSet<>();
        for (Step s : steps) {
            if (s instanceof Response r && responseDue.remove(r.tag())) continue;
            if (s instanceof Text t && t.fromAsterisk() && transactions.contains(AriMessages.transaction(t.text()))) continue;
            if (drop.test(s)) {
                if (s instanceof Request r) responseDue.add(r.tag());
                if (s instanceof Text t && !t.fromAsterisk()) {
                    String tx = AriMessages.transaction(t.text());
                    transactions.add(tx == null ? "" : tx);
                }
                continue;
            }
            keep.add(s);
        }
        return keep;
    }

    private static boolean same(Transcript.Entry e, String tag, Transcript.Dir dir) {
        if (e.dir() != dir) return false;
        Matcher m = TAG.matcher(e.text());
        return m.matches() && m.group(1).equals(tag);
    }

    private static String body(Transcript.Entry e) {
        Matcher m = TAG.matcher(e.text());
        return m.matches() ? m.group(2) : e.text();
    }
}
