package org.tinyphone.sim.ari;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.WebSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import static org.tinyphone.sim.ari.AriState.JSON;
import static org.tinyphone.sim.ari.AriState.event;
import static org.tinyphone.sim.ari.AriState.now;

import org.tinyphone.sim.ari.AriState.Chan;
import org.tinyphone.sim.ari.AriState.Pb;
import org.tinyphone.sim.ari.AriState.Rec;

/**
 * The REST resources of a {@link SimulatedAriAsterisk} (over HTTP and over a WebSocket, capture 09d): the router,
 * asterisk, applications, playbacks and recordings here, channels in {@link AriChannelRoutes}, bridges in
 * {@link AriBridgeRoutes}. Callers hold the state's lock.
 */
final class AriRoutes {
    private final AriState st;
    private final AriCalls calls;
    private final AriWireServer wire;
    private final AriChannelRoutes channelRoutes;
    private final AriBridgeRoutes bridgeRoutes;
    /** What the wire server calls: REST requests and events upgrades. */
    final AriWireServer.Handler handler = new Handler();

    AriRoutes(AriState st, AriCalls calls, AriWireServer wire) {
        this.st = st;
        this.calls = calls;
        this.wire = wire;
        this.channelRoutes = new AriChannelRoutes(st, calls, this);
        this.bridgeRoutes = new AriBridgeRoutes(st, calls);
    }

    // ------------------------------------------------------------------------------------------ REST

    private final class Handler implements AriWireServer.Handler {
        @Override
        public AriResponse rest(AriRequest r, String user) {
            synchronized (st) {
                return route(r);
            }
        }

        @Override
        public Object events(AriRequest upgrade, String user) {
            String apps = upgrade.param("app");
            if (apps == null || apps.isEmpty()) {
                return new AriResponse(400, "Bad Request", wire.html(400, "Bad Request", "HTTP request is missing param: [app]"),
                        Map.of("Content-type", "text/html"));
            }
            AriEventSocket socket = new AriEventSocket(st, AriRoutes.this, List.of(apps.split(",")), user);
            socket.register();   // the app exists from the upgrade on, as in Asterisk (09c), before our 101 is even read
            return socket;
        }
    }

    private AriResponse route(AriRequest r) {
        if (r.path().endsWith("/")) {
            return AriResponse.error(404, "Not Found", "ARI URLs do not end with a slash. Try /ari/" + r.path().replaceAll("/+$", ""));
        }
        List<String> s = r.segments();
        String m = r.method();
        String top = s.get(0);
        int n = s.size();
        switch (top) {
            case "asterisk" -> {
                if (n == 2 && s.get(1).equals("ping")) return only(m, "GET", () -> AriResponse.ok(
                        "{\"ping\":\"pong\",\"timestamp\":\"" + now() + "\",\"asterisk_id\":\"" + st.cfg.asteriskId + "\"}"));
                if (n == 2 && s.get(1).equals("info")) return only(m, "GET", () -> AriResponse.ok(info()));
                if (n == 2 && s.get(1).equals("variable")) return globalVariable(m, r);
            }
            case "applications" -> {
                if (n == 1) return only(m, "GET", () -> {
                    ArrayNode a = JSON.createArrayNode();
                    for (String app : st.connectedApps()) a.add(appJson(app));
                    return AriResponse.ok(a.toString());
                });
                if (n == 2) return only(m, "GET", () -> st.connectedApps().contains(s.get(1)) ? AriResponse.ok(appJson(s.get(1)).toString())
                        : AriResponse.error(404, "Not Found", "Application not found"));
            }
            case "channels" -> {
                return channelRoutes.channels(r, s, m);
            }
            case "bridges" -> {
                return bridgeRoutes.bridges(r, s, m);
            }
            case "playbacks" -> {
                if (n < 2) break;
                Pb p = st.playbacks.get(s.get(1));
                if (p != null && p.target.startsWith("channel:")) calls.note(st.channels.get(p.target.substring(8)), r);
                if (n == 2) {
                    if (!m.equals("GET") && !m.equals("DELETE")) return invalidMethod("OPTIONS,GET,DELETE");
                    if (p == null) return AriResponse.error(404, "Not Found", "Playback not found");
                    if (m.equals("GET")) return AriResponse.ok(st.pbJson(p).toString());
                    calls.endPlayback(p, "done");
                    return AriResponse.noContent();
                }
                if (n == 3 && s.get(2).equals("control")) return only(m, "POST", () -> {
                    if (p == null) return AriResponse.error(404, "Not Found", "Playback not found");
                    String op = r.param("operation");
                    if (op == null) return AriResponse.error(400, "Bad Request", "Missing parameter operation");
                    switch (op) {
                        case "pause" -> { if (p.timer != null) p.timer.cancel(false); p.state = "paused"; }
                        case "unpause", "restart" -> { p.state = "playing"; if (p.timer != null) p.timer.cancel(false); calls.scheduleStep(p); }
                        case "reverse", "forward" -> { }
                        default -> { return AriResponse.error(400, "Bad Request", "Invalid operation " + op); }
                    }
                    return AriResponse.noContent();
                });
            }
            case "recordings" -> {
                return recordings(r, s, m);
            }
            default -> { }
        }
        return AriResponse.error(404, "Not Found", "Resource not found");
    }

    interface Answer { AriResponse get(); }

    static AriResponse only(String method, String allowed, Answer a) {
        return method.equals(allowed) ? a.get() : invalidMethod("OPTIONS," + allowed);
    }

    static AriResponse invalidMethod(String allow) {
        return new AriResponse(405, "Method Not Allowed", "{\"message\":\"Invalid method\"}", Map.of("Allow", allow));
    }

    private ObjectNode appJson(String app) {
        ObjectNode a = JSON.createObjectNode();
        a.put("name", app);
        ArrayNode ids = a.putArray("channel_ids");
        for (Chan c : st.channels.values()) if (app.equals(c.app)) ids.add(c.id);
        a.putArray("bridge_ids");
        a.putArray("endpoint_ids");
        a.putArray("device_names");
        a.putArray("events_allowed");
        a.putArray("events_disallowed");
        return a;
    }

    private String info() {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("build").put("os", "Linux").put("kernel", "6.1.0").put("machine", "x86_64").put("options", "")
                .put("date", "2026-12-04 13:04:12 UTC").put("user", "root");
        n.putObject("system").put("version", st.cfg.version).put("entity_id", st.cfg.asteriskId);
        n.putObject("config").put("name", "").put("default_language", "en").put("setid", "");
        n.putObject("status").put("startup_time", now()).put("last_reload_time", now());
        return n.toString();
    }

    private AriResponse globalVariable(String m, AriRequest r) {
        String name = r.param("variable");
        if (m.equals("GET")) {
            if (name == null) return AriResponse.error(400, "Bad Request", "Variable name is required");
            String v = name.startsWith("DB(") && name.endsWith(")") ? st.db.get(name.substring(3, name.length() - 1))
                    : name.startsWith("DB_DELETE(") && name.endsWith(")") ? st.db.remove(name.substring(10, name.length() - 1))
                    : st.globals.get(name);
            if (v == null && name.startsWith("DB")) v = "";   // DB() of a missing key reads empty
            return v == null ? AriResponse.error(404, "Variable Not Found", "Provided variable was not found")
                    : AriResponse.ok(value(v));
        }
        if (m.equals("POST")) {
            if (name == null) return AriResponse.error(400, "Bad Request", "Variable name is required");
            String value = r.param("value") == null ? "" : r.param("value");
            if (name.startsWith("DB(") && name.endsWith(")")) st.db.put(name.substring(3, name.length() - 1), value);
            else st.globals.put(name, value);
            return AriResponse.noContent();
        }
        return invalidMethod("OPTIONS,GET,POST");
    }

    static String value(String v) {
        ObjectNode n = JSON.createObjectNode();
        n.put("value", v);
        return n.toString();
    }

    AriResponse record(Chan c, AriRequest r) {
        String name = r.param("name");
        String format = r.param("format");
        if (name == null) return AriResponse.error(400, "Bad Request", "Required parameter name not present");
        if (format == null) return AriResponse.error(400, "Bad Request", "Required parameter format not present");
        if (st.recordings.containsKey(name)) return AriResponse.error(409, "Conflict", "Recording '" + name + "' already in progress");
        String ifExists = r.param("ifExists") == null ? "fail" : r.param("ifExists");
        if (ifExists.equals("fail") && st.stored.containsKey(name)) {
            return AriResponse.error(422, "Unprocessable Entity", "Recording with same name already exists on the system");
        }
        Rec rec = new Rec(name, format, "channel:" + c.id, r.param("terminateOn"), c.application);
        st.recordings.put(name, rec);
        rec.state = "queued";
        String json = st.recJson(rec).toString();
        rec.state = "recording";
        ObjectNode e = event("RecordingStarted");
        e.set("recording", st.recJson(rec));
        st.emit(c.application, e);
        long limit = Long.MAX_VALUE;
        String max = r.param("maxDurationSeconds");
        if (max != null && Integer.parseInt(max) > 0) limit = Integer.parseInt(max) * st.cfg.secondMillis;
        String silence = r.param("maxSilenceSeconds");
        if (silence != null && Integer.parseInt(silence) > 0) limit = Math.min(limit, st.cfg.speakMillis + Integer.parseInt(silence) * st.cfg.secondMillis);
        if (limit != Long.MAX_VALUE) {
            rec.timer = st.timer.schedule(() -> { synchronized (st) { calls.finishRecording(rec, "done"); } }, limit, TimeUnit.MILLISECONDS);
        }
        return AriResponse.created(json, "/ari/recordings/live/" + name);
    }

    private AriResponse recordings(AriRequest r, List<String> s, String m) {
        int n = s.size();
        if (n >= 3 && s.get(1).equals("live")) {
            Rec rec = st.recordings.get(s.get(2));
            if (rec == null) return AriResponse.error(404, "Not Found", "Recording not found");
            if (rec.target.startsWith("channel:")) calls.note(st.channels.get(rec.target.substring(8)), r);
            if (n == 3) {
                if (m.equals("GET")) return AriResponse.ok(st.recJson(rec).toString());
                if (m.equals("DELETE")) {
                    calls.finishRecording(rec, "canceled");
                    return AriResponse.noContent();
                }
                return invalidMethod("OPTIONS,GET,DELETE");
            }
            switch (s.get(3)) {
                case "stop" -> {
                    calls.finishRecording(rec, "done");
                    return AriResponse.noContent();
                }
                case "pause", "mute" -> {
                    return AriResponse.noContent();
                }
                default -> { }
            }
        }
        if (n >= 2 && s.get(1).equals("stored")) {
            if (n == 2) {
                ArrayNode a = JSON.createArrayNode();
                st.stored.forEach((k, v) -> a.addObject().put("name", k).put("format", v));
                return AriResponse.ok(a.toString());
            }
            String f = st.stored.get(s.get(2));
            if (f == null) return AriResponse.error(404, "Not Found", "Recording not found");
            if (n == 3 && m.equals("GET")) return AriResponse.ok("{\"name\":\"" + s.get(2) + "\",\"format\":\"" + f + "\"}");
            if (n == 3 && m.equals("DELETE")) {
                st.stored.remove(s.get(2));
                return AriResponse.noContent();
            }
        }
        return AriResponse.error(404, "Not Found", "Resource not found");
    }

    // ------------------------------------------------------------------------------------------ REST over a WebSocket

    /** A RESTRequest message; the answer is a RESTResponse message (capture 09d). Caller holds the lock. */
    /**
     * A RESTRequest over a WebSocket: its RESTResponse goes to {@code reply}, now, or later or never when a
     * {@link RestFault} says so. Callers hold the state's lock.
     */
    void restOverWebSocket(String text, String user, String application, java.util.function.Consumer<String> reply) {
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (Exception e) {
            msg = null;
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("type", "RESTResponse");
        if (msg == null || !msg.isObject()) {
            out.put("transaction_id", "").put("request_id", "").put("status_code", 400)
                    .put("reason_phrase", "Failed to parse request message JSON").put("uri", "");
            reply.accept(finishResponse(out, application));
            return;
        }
        out.put("transaction_id", msg.path("transaction_id").asText("")).put("request_id", msg.path("request_id").asText(""));
        String uri = msg.path("uri").asText("");
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        AriResponse resp;
        if (!"RESTRequest".equals(msg.path("type").asText())) {
            resp = AriResponse.error(400, "Bad request", "Unknown request type.");
            path = "";
        } else if (!Set.of("GET", "POST", "PUT", "DELETE").contains(msg.path("method").asText())) {
            resp = AriResponse.error(400, "Bad request", "Unknown or missing 'method' property.");
        } else if (msg.has("message_body") && !msg.has("content_type")) {
            resp = AriResponse.error(400, "Bad request", "No 'content_type' for 'message_body'.");
        } else if (path.startsWith("/")) {
            resp = AriResponse.error(405, "Method Not Allowed", "Invalid method");
        } else if (path.equals("events")) {
            resp = AriResponse.error(400, "Bad request", "Can't upgrade to websocket from a websocket");
        } else if (path.startsWith("ari/")) {
            resp = AriResponse.error(404, "Not Found", "Resource not found");
        } else {
            List<Map.Entry<String, String>> params = AriRequest.parseQuery(q < 0 ? "" : uri.substring(q + 1));
            StringBuilder query = new StringBuilder(q < 0 ? "" : uri.substring(q + 1));
            for (JsonNode p : msg.path("query_strings")) {
                params.add(Map.entry(p.path("name").asText(), p.path("value").asText()));
                if (query.length() > 0) query.append('&');
                query.append(p.path("name").asText()).append('=').append(p.path("value").asText());
            }
            String body = msg.path("message_body").asText("");
            String type = msg.path("content_type").asText("");
            Map<String, String> headers = new LinkedHashMap<>();
            if (!type.isEmpty()) headers.put("content-type", type);
            if (type.startsWith("application/x-www-form-urlencoded")) params.addAll(AriRequest.parseQuery(body));
            AriRequest r = new AriRequest(msg.path("method").asText(), path, query.toString(), params, headers, body);
            boolean may = wire.mayWrite(user, r.method());
            RestFault fault = may ? st.faults.take(r) : null;
            if (fault != null && fault.kind == RestFault.Kind.DROP) return;   // never answered
            if (fault != null && fault.kind == RestFault.Kind.LATE) {
                String p = path;
                st.timer.schedule(() -> {
                    synchronized (st) {
                        reply.accept(answered(out, route(r), p, application));
                    }
                }, fault.delay.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            resp = fault != null ? fault.answer : may ? route(r) : AriResponse.error(403, "Forbidden", "Write access denied");
        }
        reply.accept(answered(out, resp, path, application));
    }

    private String answered(ObjectNode out, AriResponse resp, String path, String application) {
        out.put("status_code", resp.status()).put("reason_phrase", resp.reason()).put("uri", path);
        if (!resp.body().isEmpty()) out.put("content_type", "application/json").put("message_body", resp.body());
        return finishResponse(out, application);
    }

    private String finishResponse(ObjectNode out, String application) {
        out.put("application", application == null ? "" : application).put("timestamp", now()).put("asterisk_id", st.cfg.asteriskId);
        return out.toString();
    }
}
