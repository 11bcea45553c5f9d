package org.tinyphone.ari;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One ARI REST request before it is sent (no I/O): method, path below {@code /ari/}, query parameters, JSON body. */
final class RestRequest {
    final String method;
    final String path;                 // encoded, no leading slash: channels/1796391224.62/answer
    final List<Map.Entry<String, String>> params = new ArrayList<>(4);
    JsonNode body;
    /** The longest wait for this request's answer, if shorter than the transport's own timeout; null: the transport's. */
    Duration maxWait;

    private RestRequest(String method, String... segments) {
        this.method = method;
        StringBuilder p = new StringBuilder(64);
        for (String s : segments) {
            if (s == null) throw new IllegalArgumentException("an ARI id must not be null (" + method + " " + p + ")");
            if (p.length() > 0) p.append('/');
            p.append(UrlCodec.segment(s));
        }
        this.path = p.toString();
    }

    static RestRequest get(String... segments) { return new RestRequest("GET", segments); }
    static RestRequest post(String... segments) { return new RestRequest("POST", segments); }
    static RestRequest put(String... segments) { return new RestRequest("PUT", segments); }
    static RestRequest delete(String... segments) { return new RestRequest("DELETE", segments); }

    /** Adds a query parameter; a null value is left out. */
    RestRequest param(String name, Object value) {
        if (value != null) params.add(Map.entry(name, value.toString()));
        return this;
    }

    RestRequest body(JsonNode json) {
        this.body = json;
        return this;
    }

    /** How long a transport whose own timeout is {@code timeout} waits for this request's answer. */
    Duration wait(Duration timeout) { return maxWait != null && maxWait.compareTo(timeout) < 0 ? maxWait : timeout; }

    /** The encoded query ({@code a=b&c=d}), {@code ""} if none. */
    String query() {
        if (params.isEmpty()) return "";
        StringBuilder q = new StringBuilder(64);
        for (Map.Entry<String, String> e : params) {
            if (q.length() > 0) q.append('&');
            q.append(UrlCodec.query(e.getKey())).append('=').append(UrlCodec.query(e.getValue()));
        }
        return q.toString();
    }

    @Override
    public String toString() { return method + " " + path; }
}
