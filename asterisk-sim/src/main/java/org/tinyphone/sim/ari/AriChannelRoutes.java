package org.tinyphone.sim.ari;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.WebSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import static org.tinyphone.sim.ari.AriRoutes.invalidMethod;
import static org.tinyphone.sim.ari.AriRoutes.only;
import static org.tinyphone.sim.ari.AriRoutes.value;
import static org.tinyphone.sim.ari.AriState.JSON;
import static org.tinyphone.sim.ari.AriState.event;

import org.tinyphone.sim.ari.AriState.Br;
import org.tinyphone.sim.ari.AriState.Chan;

/**
 * {@code /ari/channels} of a {@link SimulatedAriAsterisk}: a channel's variables, answer, continue, play, record,
 * hangup; originate, snoop and externalMedia (an AudioSocket channel dials the app's server, capture 10c).
 * Callers hold the state's lock.
 */
final class AriChannelRoutes {
    private static final Set<String> HANGUP_REASONS = Set.of("normal", "busy", "congestion", "no_answer", "timeout", "rejected",
            "unallocated", "normal_unspecified", "number_incomplete", "codec_mismatch", "interworking", "failure", "answered_elsewhere");

    private final AriState st;
    private final AriCalls calls;
    private final AriRoutes routes;

    AriChannelRoutes(AriState st, AriCalls calls, AriRoutes routes) {
        this.st = st;
        this.calls = calls;
        this.routes = routes;
    }

    AriResponse channels(AriRequest r, List<String> s, String m) {
        int n = s.size();
        if (n == 1) {
            if (m.equals("GET")) {
                ArrayNode a = JSON.createArrayNode();
                for (Chan c : st.channels.values()) a.add(st.chanJson(c));
                return AriResponse.ok(a.toString());
            }
            if (m.equals("POST")) return originate(r, false);
            return invalidMethod("OPTIONS,GET,POST");
        }
        String id = s.get(1);
        if (n == 2 && id.equals("externalMedia")) return only(m, "POST", () -> externalMedia(r));
        if (n == 2 && id.equals("create")) return only(m, "POST", () -> originate(r, true));
        AriResponse[] err = new AriResponse[1];
        if (n == 2) {
            if (m.equals("GET")) {
                Chan c = st.channels.get(id);
                calls.note(c, r);
                return c == null ? AriResponse.error(404, "Not Found", "Channel not found") : AriResponse.ok(st.chanJson(c).toString());
            }
            if (m.equals("DELETE")) {
                String reason = r.param("reason");
                if (reason != null && !HANGUP_REASONS.contains(reason)) {
                    return AriResponse.error(400, "Invalid Reason", "Invalid reason for hangup reason provided");
                }
                Chan c = st.channels.get(id);
                if (c == null) return AriResponse.error(404, "Not Found", "Channel not found");
                calls.note(c, r);
                ObjectNode x = JSON.createObjectNode();
                x.put("cause", 32).put("soft", true);
                st.emitChan(c, "ChannelHangupRequest", x);
                calls.hangupCleanup(c);
                if (c.app != null) calls.gone(c, "hungup", null);
                else st.channels.remove(id);
                return AriResponse.noContent();
            }
            return invalidMethod("OPTIONS,GET,DELETE");
        }
        String op = s.get(2);
        if (op.equals("variable")) {
            Chan c = st.channels.get(id);
            calls.note(c, r);
            String name = r.param("variable");
            String value = r.param("value");
            if (r.headers().getOrDefault("content-type", "").startsWith("application/json") && !r.body().isEmpty()) {
                try {
                    JsonNode b = JSON.readTree(r.body());
                    if (b.has("variable")) name = b.get("variable").asText();
                    if (b.has("value")) value = b.get("value").asText();
                } catch (Exception e) {
                    return AriResponse.error(400, "Bad Request", "Error parsing request body");
                }
            }
            if (m.equals("GET")) {
                if (name == null) return AriResponse.error(400, "Bad Request", "Variable name is required");
                if (c == null) return AriResponse.error(404, "Channel Not Found", "Provided channel was not found");
                String v = read(c, name);
                return v == null ? AriResponse.error(404, "Variable Not Found", "Provided variable was not found") : AriResponse.ok(value(v));
            }
            if (m.equals("POST")) {
                if (name == null) return AriResponse.error(400, "Bad Request", "Variable name is required");
                if (c == null) return AriResponse.error(404, "Channel Not Found", "Provided channel was not found");
                write(c, name, value == null ? "" : value);
                ObjectNode x = JSON.createObjectNode();
                x.put("variable", name).put("value", value == null ? "" : value);
                if (c.app != null) st.emitChan(c, "ChannelVarset", x);
                return AriResponse.noContent();
            }
            return invalidMethod("OPTIONS,GET,POST");
        }
        Chan c = st.controllable(id, err);
        if (c != null) calls.note(c, r);
        switch (op) {
            case "answer" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                if (!c.state.equals("Up")) {
                    c.state = "Up";
                    st.emitChan(c, "ChannelStateChange", null);
                }
                return AriResponse.noContent();
            }
            case "continue" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                String where = r.param("label") != null ? r.param("label")
                        : (r.param("context") == null ? c.context : r.param("context")) + ","
                        + (r.param("extension") == null ? c.exten : r.param("extension")) + ","
                        + (r.param("priority") == null ? String.valueOf(c.priority + 1) : r.param("priority"));
                calls.hangupCleanup(c);
                c.vars.put("STASISSTATUS", "SUCCESS");
                calls.gone(c, "continued", where);
                return AriResponse.noContent();
            }
            case "redirect" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                if (r.param("endpoint") == null) return AriResponse.error(400, "Bad Request", "Required parameter endpoint not present");
                calls.hangupCleanup(c);
                calls.gone(c, "continued", "redirect:" + r.param("endpoint"));
                return AriResponse.noContent();
            }
            case "play" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                return calls.play(c.application, "channel:" + c.id, c, r, n > 3 ? s.get(3) : null);
            }
            case "record" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                return routes.record(c, r);
            }
            case "dtmf" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                if (r.param("dtmf") == null || r.param("dtmf").isEmpty()) return AriResponse.error(400, "Bad Request", "DTMF is required");
                if (c.call != null) c.call.dtmfSent.add(r.param("dtmf"));
                return AriResponse.noContent();
            }
            case "ring", "moh", "hold", "mute", "silence" -> {
                if (!m.equals("POST") && !m.equals("DELETE")) return invalidMethod("OPTIONS,POST,DELETE");
                if (c == null) return err[0];
                return AriResponse.noContent();
            }
            case "snoop" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                if (r.param("app") == null) return AriResponse.error(400, "Bad Request", "Required parameter app not present");
                Chan sn = made(r.param("snoopId"), "Snoop/" + c.id + "-" + Integer.toHexString(st.nextLocal++), r.param("app"));
                enterStasisLater(sn, r.param("appArgs"));
                return AriResponse.ok(st.chanJson(sn).toString());
            }
            case "dial" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                c.state = "Up";
                st.emitChan(c, "ChannelStateChange", null);
                return AriResponse.noContent();
            }
            default -> {
                return AriResponse.error(404, "Not Found", "Resource not found");
            }
        }
    }

    private String read(Chan c, String name) {
        switch (name) {
            case "CALLERID(num)" -> { return c.callerNumber; }
            case "CALLERID(name)" -> { return c.callerName; }
            case "CALLERID(all)" -> { return "\"" + c.callerName + "\" <" + c.callerNumber + ">"; }
            case "CHANNEL" -> { return c.name; }
            case "UNIQUEID" -> { return c.id; }
            default -> { }
        }
        if (name.startsWith("DB(") && name.endsWith(")")) return st.db.get(name.substring(3, name.length() - 1));
        if (name.startsWith("DB_DELETE(") && name.endsWith(")")) return st.db.remove(name.substring(10, name.length() - 1));
        // a function reads "" where it has nothing (func_callerid.c: CALLERID(dnid) of a call without one), not 404
        if (name.startsWith("CALLERID(") && name.endsWith(")")) return c.vars.getOrDefault(name, "");
        return c.vars.get(name);
    }

    private void write(Chan c, String name, String value) {
        switch (name) {
            case "CALLERID(num)" -> c.callerNumber = value;
            case "CALLERID(name)" -> c.callerName = value;
            case "CALLERID(all)" -> {
                java.util.regex.Matcher mm = java.util.regex.Pattern.compile("\\s*\"?([^\"<]*?)\"?\\s*<([^>]*)>\\s*").matcher(value);
                if (mm.matches()) {
                    c.callerName = mm.group(1).trim();
                    c.callerNumber = mm.group(2);
                } else {
                    c.callerNumber = value.trim();
                }
            }
            default -> {
                if (name.startsWith("DB(") && name.endsWith(")")) st.db.put(name.substring(3, name.length() - 1), value);
                else c.vars.put(name, value);
            }
        }
        c.vars.put(name, value);
    }

    private Chan made(String id, String name, String app) {
        Chan c = new Chan(id == null ? UUID.randomUUID().toString() : id, name);
        c.state = "Down";
        c.callerName = "";
        c.callerNumber = "";
        c.context = "default";
        c.exten = "s";
        c.priority = 1;
        c.appName = "AppDial2";
        c.appData = "(Outgoing Line)";
        c.madeByApp = true;
        c.application = app;
        st.channels.put(c.id, c);
        return c;
    }

    private void enterStasisLater(Chan c, String appArgs) {
        st.timer.schedule(() -> {
            synchronized (st) {
                if (!st.channels.containsKey(c.id)) return;
                c.state = "Up";
                st.emitChan(c, "ChannelStateChange", null);
                c.app = c.application;
                c.appName = "Stasis";
                c.appData = c.application + (appArgs == null || appArgs.isEmpty() ? "" : "," + appArgs);
                ObjectNode args = JSON.createObjectNode();
                ArrayNode a = args.putArray("args");
                if (appArgs != null && !appArgs.isEmpty()) for (String x : appArgs.split(",")) a.add(x);
                st.emitChan(c, "StasisStart", args);
            }
        }, 5, TimeUnit.MILLISECONDS);
    }

    private AriResponse originate(AriRequest r, boolean createOnly) {
        String endpoint = r.param("endpoint");
        if (endpoint == null) return AriResponse.error(400, "Bad Request", "Endpoint must be specified");
        String app = r.param("app");
        if (app == null && r.param("extension") == null && !createOnly) {
            return AriResponse.error(400, "Bad Request", "Application or extension must be specified");
        }
        String id = r.param("channelId");
        if (id != null && st.channels.containsKey(id)) return AriResponse.error(409, "Conflict", "Channel with given unique ID already exists");
        Chan c = made(id, endpoint + "-" + String.format(Locale.ROOT, "%08x", st.nextLocal++), app);
        if (app != null) enterStasisLater(c, r.param("appArgs"));
        return AriResponse.ok(st.chanJson(c).toString());
    }

    private AriResponse externalMedia(AriRequest r) {
        String app = r.param("app");
        if (app == null) return AriResponse.error(400, "Bad Request", "Required parameter app not present");
        String format = r.param("format");
        if (format == null || format.isEmpty()) return AriResponse.error(400, "Bad Request", "format cannot be empty");
        String encapsulation = r.param("encapsulation") == null ? "rtp" : r.param("encapsulation");
        String transport = r.param("transport") == null ? "udp" : r.param("transport");
        String host = r.param("external_host");
        if (encapsulation.equals("audiosocket") && !transport.equals("tcp")) {
            return AriResponse.error(400, "Bad Request", "transport must be 'tcp' for audiosocket encapsulation");
        }
        boolean server = "server".equals(r.param("connection_type"));
        if (transport.equals("websocket") && !server && (host == null || host.startsWith("nosuch"))) {
            return AriResponse.error(400, "Bad Request", "external_host must be a valid websocket_client connection id.");
        }
        UUID mediaUuid = null;
        if (encapsulation.equals("audiosocket")) {   // (the simulator's words: these refusals were not captured)
            try {
                mediaUuid = UUID.fromString(r.param("data") == null ? "" : r.param("data"));
            } catch (IllegalArgumentException e) {
                return AriResponse.error(400, "Bad Request", "data must be a UUID for audiosocket encapsulation");
            }
            String refused = AudioSocketMedia.refusal(format);
            if (refused != null) return AriResponse.error(400, "Bad Request", refused);
            if (host == null || host.lastIndexOf(':') <= 0) return AriResponse.error(400, "Bad Request", "external_host must be host:port");
        }
        String name = switch (encapsulation) {
            case "audiosocket" -> "AudioSocket/" + host + "-" + r.param("data");
            case "none" -> "WebSocket/" + (server ? "INCOMING" : host) + "/0x" + Long.toHexString(0x7f64c4000000L + st.nextLocal++);
            default -> "UnicastRTP/" + host + "-0x" + Long.toHexString(0x7f64c4000000L + st.nextLocal++);
        };
        Chan c = made(r.param("channelId"), name, app);
        Map<String, String> vars = new LinkedHashMap<>();
        if (encapsulation.equals("audiosocket")) {
            vars.put("AUDIOSOCKET_SERVICE", host);
            vars.put("AUDIOSOCKET_UUID", r.param("data"));
        } else if (encapsulation.equals("none")) {
            vars.put("MEDIA_WEBSOCKET_CONNECTION_ID", server ? UUID.randomUUID().toString() : host);
            vars.put("MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE", format.equals("slin16") ? "640" : "160");
        }
        c.channelvars = vars;
        ObjectNode json = st.chanJson(c);
        ObjectNode cv = json.putObject("channelvars");
        vars.forEach(cv::put);
        ObjectNode dial = JSON.createObjectNode();
        dial.put("dialstatus", "").put("forward", "").put("dialstring", host + "/" + (r.param("data") == null ? "" : r.param("data")));
        dial.set("peer", st.chanJson(c));
        ObjectNode e = event("Dial");
        e.setAll(dial);
        st.emit(app, e);
        if (mediaUuid != null) connectMedia(c, host, mediaUuid, format, r.param("data"));
        else enterStasisLater(c, r.param("data"));
        return AriResponse.ok(json.toString());
    }

    /**
     * chan_audiosocket dials the app's AudioSocket server (10c: connected in the same millisecond as the 200, UUID frame
     * first, then the channel is Up and enters Stasis). A server that cannot be reached: the dial fails and the channel
     * is destroyed (not captured; the simulator's guess).
     */
    private void connectMedia(Chan c, String host, UUID uuid, String format, String data) {
        Thread.ofVirtual().name("sim-ari-media-dial-" + c.id).start(() -> {
            AudioSocketMedia m;
            try {
                m = AudioSocketMedia.connect(host, uuid, format, c.id, mediaBridge);
            } catch (java.io.IOException unreachable) {
                synchronized (st) {
                    if (st.channels.remove(c.id) == null) return;
                    ObjectNode d = JSON.createObjectNode();
                    d.put("dialstatus", "CHANUNAVAIL").put("forward", "").put("dialstring", host + "/" + data);
                    d.set("peer", st.chanJson(c));
                    ObjectNode e = event("Dial");
                    e.setAll(d);
                    st.emit(c.application, e);
                    ObjectNode x = JSON.createObjectNode();
                    x.put("cause", 0).put("cause_txt", "Unknown");
                    st.emitChan(c, "ChannelDestroyed", x);
                }
                return;
            }
            synchronized (st) {
                if (!st.channels.containsKey(c.id) || st.closed) {
                    m.close();
                    return;
                }
                c.media = m;
            }
            enterStasisLater(c, data);
        });
    }

    /** What the media connections ask of the simulator. */
    private final AudioSocketMedia.Bridge mediaBridge = new AudioSocketMedia.Bridge() {
        @Override
        public byte[] callerAudio(AudioSocketMedia media) {
            synchronized (st) {
                Chan c = st.channels.get(media.channelId());
                Br b = c == null || c.bridge == null ? null : st.bridges.get(c.bridge);
                if (b == null) return null;
                for (String id : b.channels) {
                    Chan other = st.channels.get(id);
                    if (other != null && other != c && other.call != null && other.call.audio != null) {
                        return other.call.nextAudio(AudioSocketMedia.CALLER_FRAME);
                    }
                }
                return null;
            }
        }

        @Override
        public void hungUpByApp(AudioSocketMedia media) {
            synchronized (st) {
                Chan c = st.channels.get(media.channelId());
                if (c == null || c.media != media) return;
                calls.hangupCleanup(c);   // 10c: ChannelLeftBridge, StasisEnd, ChannelDestroyed cause 16, no ChannelHangupRequest
                if (c.app != null) calls.gone(c, "hungup", null);
                else st.channels.remove(c.id);
            }
        }
    };

}
