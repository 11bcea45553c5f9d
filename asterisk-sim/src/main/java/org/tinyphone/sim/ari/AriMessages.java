package org.tinyphone.sim.ari;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Comparing what a client sent with a capture, by meaning: query parameters as a multiset, JSON bodies as JSON, RESTRequests without their ids. */
final class AriMessages {
    private AriMessages() {}

    static Map<String, List<String>> group(List<Map.Entry<String, String>> params) {
        Map<String, List<String>> m = new java.util.TreeMap<>();
        for (Map.Entry<String, String> e : params) m.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        return m;
    }

    static boolean sameBody(String want, String got) {
        if (want.isEmpty() || got.isEmpty()) return want.isEmpty() && got.isEmpty();
        try {
            return SimulatedAriAsterisk.JSON.readTree(want).equals(SimulatedAriAsterisk.JSON.readTree(got));
        } catch (Exception e) {
            return want.equals(got);
        }
    }

    /** A RESTRequest is compared by meaning (ids are the client's; the query may be in {@code uri} or {@code query_strings}). */
    static void compareText(String want, String got, Map<String, String> ids, Consumer<String> mismatch) {
        JsonNode w, g;
        try {
            w = SimulatedAriAsterisk.JSON.readTree(want);
            g = SimulatedAriAsterisk.JSON.readTree(got);
        } catch (Exception e) {
            if (!want.equals(got)) mismatch.accept("the client sent " + got + ", the capture " + want);
            return;
        }
        if (!"RESTRequest".equals(w.path("type").asText())) {
            if (!w.equals(g)) mismatch.accept("the client sent " + got + ", the capture " + want);
            return;
        }
        ids.put(w.path("transaction_id").asText(), g.path("transaction_id").asText());
        ids.put(w.path("request_id").asText(), g.path("request_id").asText());
        String where = "RESTRequest " + w.path("method").asText() + " " + w.path("uri").asText();
        if (!"RESTRequest".equals(g.path("type").asText())) mismatch.accept(where + ": the client sent type " + g.path("type"));
        if (!w.path("method").equals(g.path("method"))) mismatch.accept(where + ": method " + g.path("method"));
        if (!path(w).equals(path(g))) mismatch.accept(where + ": uri " + g.path("uri"));
        if (!group(params(w)).equals(group(params(g)))) mismatch.accept(where + ": parameters " + params(g) + ", the capture's " + params(w));
        if (!w.path("content_type").asText("").equals(g.path("content_type").asText(""))) mismatch.accept(where + ": content_type " + g.path("content_type"));
        if (!sameBody(w.path("message_body").asText(""), g.path("message_body").asText(""))) {
            mismatch.accept(where + ": message_body " + g.path("message_body") + ", the capture's " + w.path("message_body"));
        }
        if (g.path("transaction_id").asText("").isEmpty()) mismatch.accept(where + ": no transaction_id");
    }

    static String path(JsonNode m) {
        String uri = m.path("uri").asText("");
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    static List<Map.Entry<String, String>> params(JsonNode m) {
        String uri = m.path("uri").asText("");
        int q = uri.indexOf('?');
        List<Map.Entry<String, String>> p = AriRequest.parseQuery(q < 0 ? "" : uri.substring(q + 1));
        for (JsonNode x : m.path("query_strings")) p.add(Map.entry(x.path("name").asText(), x.path("value").asText()));
        return p;
    }

    static String transaction(String text) {
        try {
            return SimulatedAriAsterisk.JSON.readTree(text).path("transaction_id").asText(null);
        } catch (Exception e) {
            return null;
        }
    }

    /** A captured RESTResponse with the ids the client chose. */
    static String withClientIds(String text, Map<String, String> ids) {
        if (!text.contains("\"RESTResponse\"")) return text;
        try {
            ObjectNode n = (ObjectNode) SimulatedAriAsterisk.JSON.readTree(text);
            String t = ids.get(n.path("transaction_id").asText());
            if (t != null) n.put("transaction_id", t);
            String r = ids.get(n.path("request_id").asText());
            if (r != null) n.put("request_id", r);
            return n.toString();
        } catch (Exception e) {
            return text;
        }
    }

}
