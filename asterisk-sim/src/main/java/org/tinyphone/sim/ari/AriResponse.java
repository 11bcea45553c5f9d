package org.tinyphone.sim.ari;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The simulated Asterisk's answer to a REST request. Bodies are Asterisk's: JSON, {@code {"message":"..."}} for
 * errors (capture 09c), empty for 204.
 */
public record AriResponse(int status, String reason, String body, Map<String, String> headers) {

    public static AriResponse noContent() { return new AriResponse(204, "No Content", "", Map.of()); }

    public static AriResponse ok(String json) { return new AriResponse(200, "OK", json, Map.of()); }

    public static AriResponse created(String json, String location) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Location", location);
        return new AriResponse(201, "Created", json, h);
    }

    /** An error with Asterisk's {@code {"message":"..."}} body (JSON-escaped, control characters too, as Asterisk's ast_json does). */
    public static AriResponse error(int status, String reason, String message) {
        return new AriResponse(status, reason, AriState.JSON.createObjectNode().put("message", message).toString(), Map.of());
    }
}
