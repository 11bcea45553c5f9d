package org.tinyphone.sim.ari;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.tinyphone.sim.ari.SimulatedAriAsterisk.Builder;

/**
 * The state of a {@link SimulatedAriAsterisk} and its lock: channels, playbacks, bridges, recordings, variables, the
 * events connections; the JSON shapes Asterisk gives them and the events it sends. Every part of the simulator
 * ({@link AriCalls}, the REST routes, the events connections) reads and changes it holding this object's monitor.
 */
final class AriState {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx").withZone(ZoneOffset.UTC);

    final Builder cfg;
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sim-ari-timer");
        t.setDaemon(true);
        return t;
    });
    /** Requests to fail (their own lock: the HTTP server asks before it takes this one). */
    final RestFaults faults = new RestFaults();
    // ---- guarded by this
    final Map<String, Chan> channels = new LinkedHashMap<>();
    final Map<String, Pb> playbacks = new HashMap<>();
    final Map<String, Br> bridges = new LinkedHashMap<>();
    final Map<String, Rec> recordings = new HashMap<>();
    final Map<String, String> stored = new LinkedHashMap<>();
    final Map<String, String> globals = new HashMap<>();
    final Map<String, String> db = new HashMap<>();
    final List<AriSink> sinks = new ArrayList<>();
    final Map<String, OutboundConfig> perCall = new HashMap<>();
    final List<SimulatedAriAsterisk.OutboundLink> links = new ArrayList<>();
    long nextUnique = 1796391224L * 100;
    int nextLocal = 0x1a;
    boolean loseEvents;
    volatile boolean closed;

    AriState(Builder cfg) {
        this.cfg = cfg;
    }

    /** Apps with an events connection now (inbound WebSockets and outbound links). */
    synchronized Set<String> connectedApps() {
        Set<String> out = new LinkedHashSet<>();
        for (AriSink s : sinks) if (s.open) out.addAll(s.apps);
        return out;
    }

    /** The channel for a request that needs it in Stasis; else the 404/409 answer (through {@code err}). */
    Chan controllable(String id, AriResponse[] err) {
        Chan c = channels.get(id);
        if (c == null) {
            err[0] = AriResponse.error(404, "Not Found", "Channel not found");
            return null;
        }
        if (c.app == null) {
            err[0] = AriResponse.error(409, "Conflict", "Channel not in Stasis application");
            return null;
        }
        return c;
    }

    /** Stasis() fails for an app no connection serves now (res_stasis: the app is not registered, or not active). */
    boolean served(String app) {
        for (AriSink s : sinks) if (s.open && s.apps.contains(app)) return true;
        return false;
    }

    // ------------------------------------------------------------------------------------------ model

    static final class Chan {
        final String id;
        final String name;
        String state;
        String callerName;
        String callerNumber;
        String connectedName = "";
        String connectedNumber = "";
        String context;
        String exten;
        long priority;
        String appName;
        String appData;
        final String created = now();
        final Map<String, String> vars = new LinkedHashMap<>();
        Map<String, String> channelvars;
        String app;          // the Stasis app it is in (base name), or null
        String application;  // the app as named in events (app, or app:channel for a per-call connection)
        String bridge;
        boolean madeByApp;
        SimulatedAriCall call;
        ScheduledFuture<?> check;
        AriSink perCallSink;
        AudioSocketMedia media;   // an externalMedia AudioSocket channel's connection to the app's server
        final Set<String> playing = new LinkedHashSet<>();
        boolean prompted;    // a playback has ended: the caller has heard a prompt

        Chan(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    static final class Pb {
        final String id;
        final List<String> media;
        final String target;
        final String language;
        String state = "queued";
        int index;
        ScheduledFuture<?> timer;
        final String app;

        Pb(String id, List<String> media, String target, String language, String app) {
            this.id = id;
            this.media = media;
            this.target = target;
            this.language = language;
            this.app = app;
        }
    }

    static final class Br {
        final String id;
        final String type;
        final String name;
        final List<String> channels = new ArrayList<>();
        final String created;

        Br(String id, String type, String name, String created) {
            this.id = id;
            this.type = type;
            this.name = name;
            this.created = created;
        }
    }

    static final class Rec {
        final String name;
        final String format;
        final String target;
        final String terminateOn;
        final String app;
        final long started = System.nanoTime();
        String state = "recording";
        ScheduledFuture<?> timer;

        Rec(String name, String format, String target, String terminateOn, String app) {
            this.name = name;
            this.format = format;
            this.target = target;
            this.terminateOn = terminateOn;
            this.app = app;
        }
    }

    record OutboundConfig(String app, URI uri, String user, String password, Duration reconnect) {}

    // ------------------------------------------------------------------------------------------ JSON shapes

    static String now() { return TIME.format(Instant.now()); }

    ObjectNode chanJson(Chan c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", c.id).put("name", c.name).put("state", c.state).put("protocol_id", "");
        n.putObject("caller").put("name", c.callerName).put("number", c.callerNumber);
        n.putObject("connected").put("name", c.connectedName).put("number", c.connectedNumber);
        n.put("accountcode", "");
        n.putObject("dialplan").put("context", c.context).put("exten", c.exten).put("priority", c.priority)
                .put("app_name", c.appName).put("app_data", c.appData);
        n.put("creationtime", c.created).put("language", "en");
        return n;
    }

    ObjectNode pbJson(Pb p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", p.id);
        if (p.media.size() == 1) n.put("media_uri", p.media.get(0));
        else n.put("media_uri", p.media.get(Math.min(p.index, p.media.size() - 1)));
        n.put("target_uri", p.target).put("language", p.language).put("state", p.state);
        return n;
    }

    ObjectNode brJson(Br b) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", b.id).put("technology", "simple_bridge").put("bridge_type", b.type.split(",")[0]).put("bridge_class", "stasis")
                .put("creator", "Stasis").put("name", b.name);
        ArrayNode ch = n.putArray("channels");
        b.channels.forEach(ch::add);
        n.put("creationtime", b.created).put("video_mode", "talker");
        return n;
    }

    ObjectNode recJson(Rec r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", r.name).put("format", r.format).put("state", r.state).put("target_uri", r.target);
        if (r.state.equals("done")) n.put("duration", (int) TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - r.started));
        return n;
    }

    static ObjectNode event(String type) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", type).put("timestamp", now());
        return n;
    }

    /** Sends an event to the connections serving {@code application} (caller holds the lock). */
    void emit(String application, ObjectNode e) {
        if (application == null) return;
        e.put("asterisk_id", cfg.asteriskId).put("application", application);
        if (loseEvents) return;
        String text = e.toString();
        for (AriSink s : sinks) {
            if (s.open && s.apps.contains(application)) s.enqueue(text);
        }
    }

    void emitChan(Chan c, String type, ObjectNode extra) {
        ObjectNode e = JSON.createObjectNode();
        if (extra != null) e.setAll(extra);
        e.put("type", type).put("timestamp", now());
        e.set("channel", chanJson(c));
        emit(c.application, e);
    }

    void emitPb(Pb p, String type) {
        ObjectNode e = event(type);
        e.set("playback", pbJson(p));
        emit(p.app, e);
    }
}
