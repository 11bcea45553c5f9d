package org.tinyphone.sim.ari;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * A simulated Asterisk 22 with ARI, on real sockets: the REST resources and the events WebSocket behave as captures
 * 09a-09d and 10c show (event order and shapes, 201/204 answers, {@code {"message":...}} error bodies, 404 after a
 * hangup, 409 for a channel not in Stasis, the caller hanging up during a playback, REST over the WebSocket, the
 * outbound WebSocket mode), and it places calls into Stasis applications ({@link #call(String)}). Faults for
 * tests: {@link #dropEventConnections()}, {@link #goAway()} / {@link #comeBack()}, {@link #loseEvents(boolean)},
 * {@link #sendRaw(String)}.
 *
 * <pre>{@code
 * try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start()) {
 *     // point an ARI client at sim.url() ...
 *     SimulatedAriCall.Result r = sim.call("hello").place().await(Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class SimulatedAriAsterisk implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx").withZone(ZoneOffset.UTC);
    private static final Set<String> SCHEMES = Set.of("sound", "number", "digits", "characters", "tone", "recording");
    private static final Set<String> HANGUP_REASONS = Set.of("normal", "busy", "congestion", "no_answer", "timeout", "rejected",
            "unallocated", "normal_unspecified", "number_incomplete", "codec_mismatch", "interworking", "failure", "answered_elsewhere");

    private final Builder cfg;
    private final AriWireServer wire;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sim-ari-timer");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient wsClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    // ---- state, guarded by this
    private final Map<String, Chan> channels = new LinkedHashMap<>();
    private final Map<String, Pb> playbacks = new HashMap<>();
    private final Map<String, Br> bridges = new LinkedHashMap<>();
    private final Map<String, Rec> recordings = new HashMap<>();
    private final Map<String, String> stored = new LinkedHashMap<>();
    private final Map<String, String> globals = new HashMap<>();
    private final Map<String, String> db = new HashMap<>();
    private final List<Sink> sinks = new ArrayList<>();
    private final Map<String, OutboundConfig> perCall = new HashMap<>();
    private final List<OutboundLink> links = new ArrayList<>();
    private long nextUnique = 1796391224L * 100;
    private int nextLocal = 0x1a;
    private boolean loseEvents;
    private volatile boolean closed;

    private SimulatedAriAsterisk(Builder b) {
        this.cfg = b;
        this.wire = new AriWireServer(b.port, b.users, b.readOnly, b.keepAlive, b.version, new Handler());
    }

    public static Builder builder() { return new Builder(); }

    // ------------------------------------------------------------------------------------------ public API

    /** {@code http://127.0.0.1:<port>}: what an ARI client is pointed at. */
    public String url() { return "http://127.0.0.1:" + wire.port(); }

    public int port() { return wire.port(); }

    /** A new caller into {@code Stasis(app)}; script it, then {@link SimulatedAriCall#place()}. */
    public SimulatedAriCall call(String app) { return new SimulatedAriCall(this, app); }

    /** The most TCP connections (REST and WebSockets) that were open at once. */
    public int maxOpenConnections() { return wire.maxOpenConnections(); }

    /** Every HTTP request and events upgrade received, in order (REST over WebSockets not included). */
    public List<AriRequest> httpRequests() { return wire.requests(); }

    /** Apps with an events connection now (inbound WebSockets and outbound links). */
    public synchronized Set<String> connectedApps() {
        Set<String> out = new LinkedHashSet<>();
        for (Sink s : sinks) if (s.open) out.addAll(s.apps);
        return out;
    }

    /** Channels now in Stasis. */
    public synchronized int channelsInStasis() {
        int n = 0;
        for (Chan c : channels.values()) if (c.app != null) n++;
        return n;
    }

    /** Closes every events WebSocket abruptly, without a close frame (a network failure); REST keeps working. */
    public void dropEventConnections() {
        List<Sink> copy;
        synchronized (this) {
            copy = List.copyOf(sinks);
        }
        for (Sink s : copy) s.abort();
        wire.dropWebSocketConnections();
    }

    /** Asterisk goes away: nothing listens any more; channels stay (their playbacks go on, events are lost). */
    public void goAway() {
        dropEventConnections();
        wire.stop();
    }

    /** Listens again on the same port. */
    public void comeBack() { wire.start(); }

    /** While true, events are made but never sent (lost in a dying connection's buffers). */
    public synchronized void loseEvents(boolean lose) { loseEvents = lose; }

    /** Sends text as is to every events connection (bad input for clients). */
    public synchronized void sendRaw(String text) {
        for (Sink s : sinks) s.enqueue(text);
    }

    /** Sends an event (JSON object without {@code asterisk_id}/{@code application}) to the connections of {@code app}. */
    public synchronized void sendEvent(String app, ObjectNode event) { emit(app, event); }

    /**
     * A persistent outbound connection (ari.conf {@code type=outbound_websocket}, websocket_client.conf
     * {@code connection_type=persistent}): connects to {@code uri} now and again whenever it is closed, every
     * {@code reconnect}, until {@link OutboundLink#stop()} or {@link #close()}.
     */
    public OutboundLink outbound(String app, URI uri, String user, String password, Duration reconnect) {
        OutboundLink l = new OutboundLink(new OutboundConfig(app, uri, user, password, reconnect), true);
        synchronized (this) {
            links.add(l);
        }
        l.connect();
        return l;
    }

    /** Per-call outbound connections ({@code connection_type=per_call_config}) for calls into {@code app}. */
    public synchronized void outboundPerCall(String app, URI uri, String user, String password) {
        perCall.put(app, new OutboundConfig(app, uri, user, password, Duration.ofMillis(100)));
    }

    @Override
    public void close() {
        closed = true;
        // what Asterisk already said goes out before the connections drop (a call's last events, say)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < deadline) {
            boolean drained;
            synchronized (this) {
                drained = sinks.stream().allMatch(Sink::drained);
            }
            if (drained) break;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<OutboundLink> ls;
        synchronized (this) {
            ls = List.copyOf(links);
        }
        for (OutboundLink l : ls) l.stop();
        List<AudioSocketMedia> media = new ArrayList<>();
        synchronized (this) {
            for (Chan c : channels.values()) if (c.media != null) media.add(c.media);
        }
        for (AudioSocketMedia m : media) m.close();
        dropEventConnections();
        wire.close();
        timer.shutdownNow();
        wsClient.close();
    }

    // ------------------------------------------------------------------------------------------ model

    private final class Chan {
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
        Sink perCallSink;
        AudioSocketMedia media;   // an externalMedia AudioSocket channel's connection to the app's server
        final Set<String> playing = new LinkedHashSet<>();
        boolean prompted;    // a playback has ended: the caller has heard a prompt

        Chan(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private static final class Pb {
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

    private static final class Br {
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

    private static final class Rec {
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

    private ObjectNode chanJson(Chan c) {
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

    private ObjectNode pbJson(Pb p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", p.id);
        if (p.media.size() == 1) n.put("media_uri", p.media.get(0));
        else n.put("media_uri", p.media.get(Math.min(p.index, p.media.size() - 1)));
        n.put("target_uri", p.target).put("language", p.language).put("state", p.state);
        return n;
    }

    private ObjectNode brJson(Br b) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", b.id).put("technology", "simple_bridge").put("bridge_type", b.type.split(",")[0]).put("bridge_class", "stasis")
                .put("creator", "Stasis").put("name", b.name);
        ArrayNode ch = n.putArray("channels");
        b.channels.forEach(ch::add);
        n.put("creationtime", b.created).put("video_mode", "talker");
        return n;
    }

    private ObjectNode recJson(Rec r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", r.name).put("format", r.format).put("state", r.state).put("target_uri", r.target);
        if (r.state.equals("done")) n.put("duration", (int) TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - r.started));
        return n;
    }

    private static ObjectNode event(String type) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", type).put("timestamp", now());
        return n;
    }

    /** Sends an event to the connections serving {@code application} (caller holds the lock). */
    private void emit(String application, ObjectNode e) {
        if (application == null) return;
        e.put("asterisk_id", cfg.asteriskId).put("application", application);
        if (loseEvents) return;
        String text = e.toString();
        for (Sink s : sinks) {
            if (s.open && s.apps.contains(application)) s.enqueue(text);
        }
    }

    private void emitChan(Chan c, String type, ObjectNode extra) {
        ObjectNode e = JSON.createObjectNode();
        if (extra != null) e.setAll(extra);
        e.put("type", type).put("timestamp", now());
        e.set("channel", chanJson(c));
        emit(c.application, e);
    }

    private void emitPb(Pb p, String type) {
        ObjectNode e = event(type);
        e.set("playback", pbJson(p));
        emit(p.app, e);
    }

    // ------------------------------------------------------------------------------------------ calls

    synchronized void place(SimulatedAriCall call) {
        if (call.channelId == null) call.channelId = (nextUnique / 100) + "." + (nextUnique++ % 100 + channels.size());
        int n = nextLocal++;
        Chan c = new Chan(call.channelId, String.format(Locale.ROOT, "Local/ari@tp-ari-%08x;2", n));
        c.state = "Ring";
        c.callerName = call.callerName;
        c.callerNumber = call.callerNumber;
        c.connectedName = call.callerName;
        c.connectedNumber = call.callerNumber;
        c.context = "tp-ari";
        c.exten = "ari";
        c.priority = 2;
        c.appName = "Stasis";
        c.appData = String.join(",", concat(call.app, call.args));
        c.vars.putAll(call.variables);
        c.vars.put("CALLERID(dnid)", call.dnid);
        c.call = call;
        channels.put(c.id, c);
        OutboundConfig pc = perCall.get(call.app);
        if (pc != null) {
            c.application = call.app + ":" + c.name;
            c.app = call.app;
            Sink s = new OutboundLink(new OutboundConfig(c.application, pc.uri(), pc.user(), pc.password(), pc.reconnect()), false).connectPerCall();
            if (!s.open) {   // nobody listens: Stasis() gives up, STASISSTATUS=FAILED (09d part 2b)
                channels.remove(c.id);
                finish(c, "failed", null);
                return;
            }
            c.perCallSink = s;
            timer.schedule(() -> { synchronized (this) { enterStasis(c); } }, 50, TimeUnit.MILLISECONDS);
            return;
        }
        if (!served(call.app)) {   // Stasis() of an app nobody serves: STASISSTATUS=FAILED, the dialplan goes on
            channels.remove(c.id);
            finish(c, "failed", null);
            return;
        }
        c.app = call.app;
        c.application = call.app;
        enterStasis(c);
    }

    synchronized void pressNow(SimulatedAriCall call, char key) {
        Chan c = channels.get(call.channelId);
        if (c != null) press(c, key);
    }

    synchronized void hangupNow(SimulatedAriCall call) {
        Chan c = channels.get(call.channelId);
        if (c != null) callerHangsUp(c);
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> l = new ArrayList<>();
        l.add(first);
        l.addAll(rest);
        return l;
    }

    /** Stasis() fails for an app no connection serves now (res_stasis: the app is not registered, or not active). */
    private boolean served(String app) {
        for (Sink s : sinks) if (s.open && s.apps.contains(app)) return true;
        return false;
    }

    private void enterStasis(Chan c) {
        if (!channels.containsKey(c.id)) return;
        ObjectNode args = JSON.createObjectNode();
        ArrayNode a = args.putArray("args");
        if (c.call != null) c.call.args.forEach(a::add);
        emitChan(c, "StasisStart", args);
        if (c.call != null) {
            activity(c);
            if (c.call.hangupAfter != null) {
                timer.schedule(() -> { synchronized (this) { callerHangsUp(c); } }, c.call.hangupAfter.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The app did something on the call (or a playback ended): the caller waits {@code idle} before pressing the next key. */
    private void activity(Chan c) {
        if (c.call == null || closed) return;
        if (c.check != null) c.check.cancel(false);
        c.check = timer.schedule(() -> { synchronized (this) { idleCheck(c, false); } }, c.call.idle.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void idleCheck(Chan c, boolean givingUp) {
        if (!channels.containsKey(c.id) || c.app == null || !c.playing.isEmpty()) return;
        Character k = c.call.waitForPrompt && !c.prompted ? null : c.call.keys.poll();
        if (k != null) {
            press(c, k);
            activity(c);
        } else if (givingUp) {
            callerHangsUp(c);
        } else {
            long rest = Math.max(1, c.call.giveUpAfter.toMillis() - c.call.idle.toMillis());
            c.check = timer.schedule(() -> { synchronized (this) { idleCheck(c, true); } }, rest, TimeUnit.MILLISECONDS);
        }
    }

    private void press(Chan c, char k) {
        if (!channels.containsKey(c.id) || c.app == null) return;
        c.call.pressed.add(k);
        ObjectNode x = JSON.createObjectNode();
        x.put("digit", String.valueOf(k)).put("duration_ms", 100);
        emitChan(c, "ChannelDtmfReceived", x);
        Br bridged = c.bridge == null ? null : bridges.get(c.bridge);
        if (bridged != null) {   // 10c: the key also reaches an AudioSocket channel in the bridge as a 0x03 frame
            for (String id : bridged.channels) {
                Chan other = channels.get(id);
                if (other != null && other.media != null) other.media.dtmf(k);
            }
        }
        for (Rec r : List.copyOf(recordings.values())) {
            if (r.target.equals("channel:" + c.id) && r.state.equals("recording") && r.terminateOn != null
                    && (r.terminateOn.equals("any") || r.terminateOn.indexOf(k) >= 0) && !r.terminateOn.equals("none")) {
                finishRecording(r, "done");
            }
        }
    }

    private void callerHangsUp(Chan c) {
        if (!channels.containsKey(c.id)) return;
        ObjectNode x = JSON.createObjectNode();
        x.put("cause", 16);
        emitChan(c, "ChannelHangupRequest", x);
        hangupCleanup(c);
        gone(c, "caller-hungup", null);
    }

    /** Playbacks and recordings of a channel that hangs up fail; it leaves its bridge. */
    private void hangupCleanup(Chan c) {
        if (c.media != null) c.media.close();   // the channel hangs up: chan_audiosocket closes its connection
        for (String id : List.copyOf(c.playing)) {
            Pb p = playbacks.remove(id);
            if (p == null) continue;
            if (p.timer != null) p.timer.cancel(false);
            p.state = "failed";
            emitPb(p, "PlaybackFinished");
        }
        c.playing.clear();
        for (Rec r : List.copyOf(recordings.values())) {
            if (r.target.equals("channel:" + c.id)) finishRecording(r, "done");
        }
        if (c.bridge != null) {
            Br b = bridges.get(c.bridge);
            c.bridge = null;
            if (b != null) {
                b.channels.remove(c.id);
                ObjectNode x = JSON.createObjectNode();
                x.set("bridge", brJson(b));
                emitChan(c, "ChannelLeftBridge", x);
            }
        }
    }

    /** The channel leaves Stasis (StasisEnd) and, unless it continues in the dialplan, is gone. */
    private void gone(Chan c, String outcome, String continuedAt) {
        emitChan(c, "StasisEnd", null);
        channels.remove(c.id);
        if (c.madeByApp) {
            ObjectNode x = JSON.createObjectNode();
            x.put("cause", 16).put("cause_txt", "Normal Clearing");
            emitChan(c, "ChannelDestroyed", x);
        }
        if (c.check != null) c.check.cancel(false);
        if (c.perCallSink != null) {
            Sink s = c.perCallSink;
            timer.schedule(s::close, 100, TimeUnit.MILLISECONDS);
        }
        finish(c, outcome, continuedAt);
    }

    private void finish(Chan c, String outcome, String continuedAt) {
        SimulatedAriCall call = c.call;
        if (call == null) return;
        call.done.complete(new SimulatedAriCall.Result(c.id, outcome, continuedAt, List.copyOf(call.played),
                List.copyOf(call.requests), List.copyOf(call.pressed), List.copyOf(call.dtmfSent), Map.copyOf(c.vars), call.audioFrames));
    }

    // ------------------------------------------------------------------------------------------ playbacks

    private AriResponse play(String app, String target, Chan c, AriRequest r, String pathId) {
        List<String> media = r.params("media");
        if (media.isEmpty()) return AriResponse.error(500, "Internal Server Error", "Failed to queue media for playback");
        String id = pathId != null ? pathId : r.param("playbackId") != null ? r.param("playbackId") : UUID.randomUUID().toString();
        if (playbacks.containsKey(id)) return AriResponse.error(409, "Conflict", "A playback with the same id already exists");
        Pb p = new Pb(id, List.copyOf(media), target, r.param("lang") == null ? "en" : r.param("lang"), app);
        playbacks.put(id, p);
        String json = pbJson(p).toString();
        if (c != null) {
            c.playing.add(id);
            if (c.call != null) {
                c.call.played.addAll(media);
                if (c.check != null) c.check.cancel(false);
            }
        }
        p.state = "playing";
        emitPb(p, "PlaybackStarted");
        String first = media.get(0);
        String scheme = first.contains(":") ? first.substring(0, first.indexOf(':')) : "";
        if (!SCHEMES.contains(scheme)) {          // unknown scheme: started, never finished, then gone (09c)
            playbacks.remove(id);
            if (c != null) {
                c.playing.remove(id);
                activity(c);
            }
            return AriResponse.created(json, "/ari/playbacks/" + id);
        }
        scheduleStep(p);
        if (c != null && c.call != null) {
            for (String m : media) {
                String file = m.startsWith("sound:") ? m.substring(6) : null;
                if (file == null) continue;
                if (file.equals(c.call.hangupDuring)) {
                    timer.schedule(() -> { synchronized (this) { callerHangsUp(c); } }, 10, TimeUnit.MILLISECONDS);
                    break;
                }
                Character k = c.call.pressDuring.get(file);
                if (k != null) {
                    timer.schedule(() -> { synchronized (this) { if (c.playing.contains(id)) press(c, k); } }, 5, TimeUnit.MILLISECONDS);
                    break;
                }
            }
        }
        return AriResponse.created(json, "/ari/playbacks/" + id);
    }

    private void scheduleStep(Pb p) {
        String m = p.media.get(p.index);
        if (m.startsWith("sound:") && cfg.missing.test(m.substring(6))) {
            p.timer = timer.schedule(() -> { synchronized (this) { endPlayback(p, "failed"); } }, 0, TimeUnit.MILLISECONDS);
            return;
        }
        p.timer = timer.schedule(() -> { synchronized (this) { step(p); } }, Math.max(1, cfg.durations.applyAsLong(m)), TimeUnit.MILLISECONDS);
    }

    private void step(Pb p) {
        if (playbacks.get(p.id) != p) return;
        if (p.index + 1 < p.media.size()) {
            p.index++;
            p.state = "continuing";
            emitPb(p, "PlaybackContinuing");
            p.state = "playing";
            scheduleStep(p);
        } else {
            endPlayback(p, "done");
        }
    }

    private void endPlayback(Pb p, String state) {
        if (playbacks.remove(p.id) == null) return;
        if (p.timer != null) p.timer.cancel(false);
        p.state = state;
        emitPb(p, "PlaybackFinished");
        if (p.target.startsWith("channel:")) {
            Chan c = channels.get(p.target.substring(8));
            if (c != null) {
                c.playing.remove(p.id);
                c.prompted = true;
                activity(c);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ recordings

    private void finishRecording(Rec r, String state) {
        if (recordings.remove(r.name) == null) return;
        if (r.timer != null) r.timer.cancel(false);
        r.state = state;
        ObjectNode e = event(state.equals("canceled") ? "RecordingFinished" : "RecordingFinished");
        e.set("recording", recJson(r));
        emit(r.app, e);
        if (!state.equals("canceled")) stored.put(r.name, r.format);
        if (r.target.startsWith("channel:")) {
            Chan c = channels.get(r.target.substring(8));
            if (c != null) activity(c);
        }
    }

    // ------------------------------------------------------------------------------------------ REST

    private final class Handler implements AriWireServer.Handler {
        @Override
        public AriResponse rest(AriRequest r, String user) {
            synchronized (SimulatedAriAsterisk.this) {
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
            EventSocket socket = new EventSocket(List.of(apps.split(",")), user);
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
                        "{\"ping\":\"pong\",\"timestamp\":\"" + now() + "\",\"asterisk_id\":\"" + cfg.asteriskId + "\"}"));
                if (n == 2 && s.get(1).equals("info")) return only(m, "GET", () -> AriResponse.ok(info()));
                if (n == 2 && s.get(1).equals("variable")) return globalVariable(m, r);
            }
            case "applications" -> {
                if (n == 1) return only(m, "GET", () -> {
                    ArrayNode a = JSON.createArrayNode();
                    for (String app : connectedApps()) a.add(appJson(app));
                    return AriResponse.ok(a.toString());
                });
                if (n == 2) return only(m, "GET", () -> connectedApps().contains(s.get(1)) ? AriResponse.ok(appJson(s.get(1)).toString())
                        : AriResponse.error(404, "Not Found", "Application not found"));
            }
            case "channels" -> {
                return channels(r, s, m);
            }
            case "bridges" -> {
                return bridges(r, s, m);
            }
            case "playbacks" -> {
                if (n < 2) break;
                Pb p = playbacks.get(s.get(1));
                if (p != null && p.target.startsWith("channel:")) note(channels.get(p.target.substring(8)), r);
                if (n == 2) {
                    if (!m.equals("GET") && !m.equals("DELETE")) return invalidMethod("OPTIONS,GET,DELETE");
                    if (p == null) return AriResponse.error(404, "Not Found", "Playback not found");
                    if (m.equals("GET")) return AriResponse.ok(pbJson(p).toString());
                    endPlayback(p, "done");
                    return AriResponse.noContent();
                }
                if (n == 3 && s.get(2).equals("control")) return only(m, "POST", () -> {
                    if (p == null) return AriResponse.error(404, "Not Found", "Playback not found");
                    String op = r.param("operation");
                    if (op == null) return AriResponse.error(400, "Bad Request", "Missing parameter operation");
                    switch (op) {
                        case "pause" -> { if (p.timer != null) p.timer.cancel(false); p.state = "paused"; }
                        case "unpause", "restart" -> { p.state = "playing"; if (p.timer != null) p.timer.cancel(false); scheduleStep(p); }
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

    private interface Answer { AriResponse get(); }

    private static AriResponse only(String method, String allowed, Answer a) {
        return method.equals(allowed) ? a.get() : invalidMethod("OPTIONS," + allowed);
    }

    private static AriResponse invalidMethod(String allow) {
        return new AriResponse(405, "Method Not Allowed", "{\"message\":\"Invalid method\"}", Map.of("Allow", allow));
    }

    private ObjectNode appJson(String app) {
        ObjectNode a = JSON.createObjectNode();
        a.put("name", app);
        ArrayNode ids = a.putArray("channel_ids");
        for (Chan c : channels.values()) if (app.equals(c.app)) ids.add(c.id);
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
        n.putObject("system").put("version", cfg.version).put("entity_id", cfg.asteriskId);
        n.putObject("config").put("name", "").put("default_language", "en").put("setid", "");
        n.putObject("status").put("startup_time", now()).put("last_reload_time", now());
        return n.toString();
    }

    private AriResponse globalVariable(String m, AriRequest r) {
        String name = r.param("variable");
        if (m.equals("GET")) {
            if (name == null) return AriResponse.error(400, "Bad Request", "Variable name is required");
            String v = name.startsWith("DB(") && name.endsWith(")") ? db.get(name.substring(3, name.length() - 1))
                    : name.startsWith("DB_DELETE(") && name.endsWith(")") ? db.remove(name.substring(10, name.length() - 1))
                    : globals.get(name);
            if (v == null && name.startsWith("DB")) v = "";   // DB() of a missing key reads empty
            return v == null ? AriResponse.error(404, "Variable Not Found", "Provided variable was not found")
                    : AriResponse.ok(value(v));
        }
        if (m.equals("POST")) {
            if (name == null) return AriResponse.error(400, "Bad Request", "Variable name is required");
            String value = r.param("value") == null ? "" : r.param("value");
            if (name.startsWith("DB(") && name.endsWith(")")) db.put(name.substring(3, name.length() - 1), value);
            else globals.put(name, value);
            return AriResponse.noContent();
        }
        return invalidMethod("OPTIONS,GET,POST");
    }

    private static String value(String v) {
        ObjectNode n = JSON.createObjectNode();
        n.put("value", v);
        return n.toString();
    }

    /** The channel for a request that needs it in Stasis; else the 404/409 answer (through {@code err}). */
    private Chan controllable(String id, AriResponse[] err) {
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

    private void note(Chan c, AriRequest r) {
        if (c == null || c.call == null) return;
        c.call.requests.add(r.method() + " " + r.path() + (r.query().isEmpty() ? "" : "?" + r.query()));
        activity(c);
    }

    private AriResponse channels(AriRequest r, List<String> s, String m) {
        int n = s.size();
        if (n == 1) {
            if (m.equals("GET")) {
                ArrayNode a = JSON.createArrayNode();
                for (Chan c : channels.values()) a.add(chanJson(c));
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
                Chan c = channels.get(id);
                note(c, r);
                return c == null ? AriResponse.error(404, "Not Found", "Channel not found") : AriResponse.ok(chanJson(c).toString());
            }
            if (m.equals("DELETE")) {
                String reason = r.param("reason");
                if (reason != null && !HANGUP_REASONS.contains(reason)) {
                    return AriResponse.error(400, "Invalid Reason", "Invalid reason for hangup reason provided");
                }
                Chan c = channels.get(id);
                if (c == null) return AriResponse.error(404, "Not Found", "Channel not found");
                note(c, r);
                ObjectNode x = JSON.createObjectNode();
                x.put("cause", 32).put("soft", true);
                emitChan(c, "ChannelHangupRequest", x);
                hangupCleanup(c);
                if (c.app != null) gone(c, "hungup", null);
                else channels.remove(id);
                return AriResponse.noContent();
            }
            return invalidMethod("OPTIONS,GET,DELETE");
        }
        String op = s.get(2);
        if (op.equals("variable")) {
            Chan c = channels.get(id);
            note(c, r);
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
                if (c.app != null) emitChan(c, "ChannelVarset", x);
                return AriResponse.noContent();
            }
            return invalidMethod("OPTIONS,GET,POST");
        }
        Chan c = controllable(id, err);
        if (c != null) note(c, r);
        switch (op) {
            case "answer" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                if (!c.state.equals("Up")) {
                    c.state = "Up";
                    emitChan(c, "ChannelStateChange", null);
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
                hangupCleanup(c);
                c.vars.put("STASISSTATUS", "SUCCESS");
                gone(c, "continued", where);
                return AriResponse.noContent();
            }
            case "redirect" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                if (r.param("endpoint") == null) return AriResponse.error(400, "Bad Request", "Required parameter endpoint not present");
                hangupCleanup(c);
                gone(c, "continued", "redirect:" + r.param("endpoint"));
                return AriResponse.noContent();
            }
            case "play" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                return play(c.application, "channel:" + c.id, c, r, n > 3 ? s.get(3) : null);
            }
            case "record" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                return record(c, r);
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
                Chan sn = made(r.param("snoopId"), "Snoop/" + c.id + "-" + Integer.toHexString(nextLocal++), r.param("app"));
                enterStasisLater(sn, r.param("appArgs"));
                return AriResponse.ok(chanJson(sn).toString());
            }
            case "dial" -> {
                if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
                if (c == null) return err[0];
                c.state = "Up";
                emitChan(c, "ChannelStateChange", null);
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
        if (name.startsWith("DB(") && name.endsWith(")")) return db.get(name.substring(3, name.length() - 1));
        if (name.startsWith("DB_DELETE(") && name.endsWith(")")) return db.remove(name.substring(10, name.length() - 1));
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
                if (name.startsWith("DB(") && name.endsWith(")")) db.put(name.substring(3, name.length() - 1), value);
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
        channels.put(c.id, c);
        return c;
    }

    private void enterStasisLater(Chan c, String appArgs) {
        timer.schedule(() -> {
            synchronized (this) {
                if (!channels.containsKey(c.id)) return;
                c.state = "Up";
                emitChan(c, "ChannelStateChange", null);
                c.app = c.application;
                c.appName = "Stasis";
                c.appData = c.application + (appArgs == null || appArgs.isEmpty() ? "" : "," + appArgs);
                ObjectNode args = JSON.createObjectNode();
                ArrayNode a = args.putArray("args");
                if (appArgs != null && !appArgs.isEmpty()) for (String x : appArgs.split(",")) a.add(x);
                emitChan(c, "StasisStart", args);
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
        if (id != null && channels.containsKey(id)) return AriResponse.error(409, "Conflict", "Channel with given unique ID already exists");
        Chan c = made(id, endpoint + "-" + String.format(Locale.ROOT, "%08x", nextLocal++), app);
        if (app != null) enterStasisLater(c, r.param("appArgs"));
        return AriResponse.ok(chanJson(c).toString());
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
            case "none" -> "WebSocket/" + (server ? "INCOMING" : host) + "/0x" + Long.toHexString(0x7f64c4000000L + nextLocal++);
            default -> "UnicastRTP/" + host + "-0x" + Long.toHexString(0x7f64c4000000L + nextLocal++);
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
        ObjectNode json = chanJson(c);
        ObjectNode cv = json.putObject("channelvars");
        vars.forEach(cv::put);
        ObjectNode dial = JSON.createObjectNode();
        dial.put("dialstatus", "").put("forward", "").put("dialstring", host + "/" + (r.param("data") == null ? "" : r.param("data")));
        dial.set("peer", chanJson(c));
        ObjectNode e = event("Dial");
        e.setAll(dial);
        emit(app, e);
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
                synchronized (this) {
                    if (channels.remove(c.id) == null) return;
                    ObjectNode d = JSON.createObjectNode();
                    d.put("dialstatus", "CHANUNAVAIL").put("forward", "").put("dialstring", host + "/" + data);
                    d.set("peer", chanJson(c));
                    ObjectNode e = event("Dial");
                    e.setAll(d);
                    emit(c.application, e);
                    ObjectNode x = JSON.createObjectNode();
                    x.put("cause", 0).put("cause_txt", "Unknown");
                    emitChan(c, "ChannelDestroyed", x);
                }
                return;
            }
            synchronized (this) {
                if (!channels.containsKey(c.id) || closed) {
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
            synchronized (SimulatedAriAsterisk.this) {
                Chan c = channels.get(media.channelId());
                Br b = c == null || c.bridge == null ? null : bridges.get(c.bridge);
                if (b == null) return null;
                for (String id : b.channels) {
                    Chan other = channels.get(id);
                    if (other != null && other != c && other.call != null && other.call.audio != null) {
                        return other.call.nextAudio(AudioSocketMedia.CALLER_FRAME);
                    }
                }
                return null;
            }
        }

        @Override
        public void hungUpByApp(AudioSocketMedia media) {
            synchronized (SimulatedAriAsterisk.this) {
                Chan c = channels.get(media.channelId());
                if (c == null || c.media != media) return;
                hangupCleanup(c);   // 10c: ChannelLeftBridge, StasisEnd, ChannelDestroyed cause 16, no ChannelHangupRequest
                if (c.app != null) gone(c, "hungup", null);
                else channels.remove(c.id);
            }
        }
    };

    private AriResponse record(Chan c, AriRequest r) {
        String name = r.param("name");
        String format = r.param("format");
        if (name == null) return AriResponse.error(400, "Bad Request", "Required parameter name not present");
        if (format == null) return AriResponse.error(400, "Bad Request", "Required parameter format not present");
        if (recordings.containsKey(name)) return AriResponse.error(409, "Conflict", "Recording '" + name + "' already in progress");
        String ifExists = r.param("ifExists") == null ? "fail" : r.param("ifExists");
        if (ifExists.equals("fail") && stored.containsKey(name)) {
            return AriResponse.error(422, "Unprocessable Entity", "Recording with same name already exists on the system");
        }
        Rec rec = new Rec(name, format, "channel:" + c.id, r.param("terminateOn"), c.application);
        recordings.put(name, rec);
        rec.state = "queued";
        String json = recJson(rec).toString();
        rec.state = "recording";
        ObjectNode e = event("RecordingStarted");
        e.set("recording", recJson(rec));
        emit(c.application, e);
        long limit = Long.MAX_VALUE;
        String max = r.param("maxDurationSeconds");
        if (max != null && Integer.parseInt(max) > 0) limit = Integer.parseInt(max) * cfg.secondMillis;
        String silence = r.param("maxSilenceSeconds");
        if (silence != null && Integer.parseInt(silence) > 0) limit = Math.min(limit, cfg.speakMillis + Integer.parseInt(silence) * cfg.secondMillis);
        if (limit != Long.MAX_VALUE) {
            rec.timer = timer.schedule(() -> { synchronized (this) { finishRecording(rec, "done"); } }, limit, TimeUnit.MILLISECONDS);
        }
        return AriResponse.created(json, "/ari/recordings/live/" + name);
    }

    private AriResponse recordings(AriRequest r, List<String> s, String m) {
        int n = s.size();
        if (n >= 3 && s.get(1).equals("live")) {
            Rec rec = recordings.get(s.get(2));
            if (rec == null) return AriResponse.error(404, "Not Found", "Recording not found");
            if (rec.target.startsWith("channel:")) note(channels.get(rec.target.substring(8)), r);
            if (n == 3) {
                if (m.equals("GET")) return AriResponse.ok(recJson(rec).toString());
                if (m.equals("DELETE")) {
                    finishRecording(rec, "canceled");
                    return AriResponse.noContent();
                }
                return invalidMethod("OPTIONS,GET,DELETE");
            }
            switch (s.get(3)) {
                case "stop" -> {
                    finishRecording(rec, "done");
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
                stored.forEach((k, v) -> a.addObject().put("name", k).put("format", v));
                return AriResponse.ok(a.toString());
            }
            String f = stored.get(s.get(2));
            if (f == null) return AriResponse.error(404, "Not Found", "Recording not found");
            if (n == 3 && m.equals("GET")) return AriResponse.ok("{\"name\":\"" + s.get(2) + "\",\"format\":\"" + f + "\"}");
            if (n == 3 && m.equals("DELETE")) {
                stored.remove(s.get(2));
                return AriResponse.noContent();
            }
        }
        return AriResponse.error(404, "Not Found", "Resource not found");
    }

    private AriResponse bridges(AriRequest r, List<String> s, String m) {
        int n = s.size();
        if (n == 1) {
            if (m.equals("GET")) {
                ArrayNode a = JSON.createArrayNode();
                bridges.values().forEach(b -> a.add(brJson(b)));
                return AriResponse.ok(a.toString());
            }
            if (!m.equals("POST")) return invalidMethod("OPTIONS,GET,POST");
            String id = r.param("bridgeId") == null ? UUID.randomUUID().toString() : r.param("bridgeId");
            if (bridges.containsKey(id)) return AriResponse.error(409, "Conflict", "Bridge with id '" + id + "' already exists");
            Br b = new Br(id, r.param("type") == null ? "mixing" : r.param("type"), r.param("name") == null ? "" : r.param("name"), now());
            bridges.put(id, b);
            return AriResponse.ok(brJson(b).toString());
        }
        Br b = bridges.get(s.get(1));
        if (n == 2) {
            if (m.equals("GET")) return b == null ? AriResponse.error(404, "Not Found", "Bridge not found") : AriResponse.ok(brJson(b).toString());
            if (m.equals("DELETE")) {
                if (b == null) return AriResponse.error(404, "Not found", "Bridge not found");
                bridges.remove(b.id);
                for (String cid : List.copyOf(b.channels)) {
                    Chan c = channels.get(cid);
                    if (c != null) {
                        c.bridge = null;
                        b.channels.remove(cid);
                        ObjectNode x = JSON.createObjectNode();
                        x.set("bridge", brJson(b));
                        emitChan(c, "ChannelLeftBridge", x);
                    }
                }
                ObjectNode e = event("BridgeDestroyed");
                e.set("bridge", brJson(b));
                for (String app : connectedApps()) emit(app, e.deepCopy());
                return AriResponse.noContent();
            }
            return invalidMethod("OPTIONS,GET,DELETE");
        }
        String op = s.get(2);
        if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
        if (b == null) return AriResponse.error(404, "Not found", "Bridge not found");
        switch (op) {
            case "addChannel", "removeChannel" -> {
                String list = r.param("channel");
                if (list == null || list.isEmpty()) return AriResponse.error(400, "Bad Request", "Missing parameter channel");
                List<Chan> cs = new ArrayList<>();
                for (String id : list.split(",")) {
                    Chan c = channels.get(id);
                    if (c == null) return AriResponse.error(400, "Bad Request", "Channel not found");
                    if (c.app == null) return AriResponse.error(422, "Unprocessable Entity", "Channel not in Stasis application");
                    cs.add(c);
                }
                for (Chan c : cs) {
                    note(c, r);
                    if (op.equals("addChannel")) {
                        if (c.bridge != null) {
                            Br old = bridges.get(c.bridge);
                            if (old != null) old.channels.remove(c.id);
                            ObjectNode x = JSON.createObjectNode();
                            x.set("bridge", brJson(old == null ? b : old));
                            emitChan(c, "ChannelLeftBridge", x);
                        }
                        c.bridge = b.id;
                        b.channels.add(c.id);
                        ObjectNode x = JSON.createObjectNode();
                        x.set("bridge", brJson(b));
                        emitChan(c, "ChannelEnteredBridge", x);
                    } else if (b.id.equals(c.bridge)) {
                        c.bridge = null;
                        b.channels.remove(c.id);
                        ObjectNode x = JSON.createObjectNode();
                        x.set("bridge", brJson(b));
                        emitChan(c, "ChannelLeftBridge", x);
                    } else {
                        return AriResponse.error(422, "Unprocessable Entity", "Channel not in this bridge");
                    }
                }
                return AriResponse.noContent();
            }
            case "play" -> {
                String app = b.channels.isEmpty() ? null : channels.get(b.channels.get(0)).application;
                return play(app, "bridge:" + b.id, null, r, n > 3 ? s.get(3) : null);
            }
            default -> {
                return AriResponse.error(404, "Not Found", "Resource not found");
            }
        }
    }

    // ------------------------------------------------------------------------------------------ REST over a WebSocket

    /** A RESTRequest message; the answer is a RESTResponse message (capture 09d). Caller holds the lock. */
    private String restOverWebSocket(String text, String user, String application) {
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
            return finishResponse(out, application);
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
            resp = wire.mayWrite(user, r.method()) ? route(r) : AriResponse.error(403, "Forbidden", "Write access denied");
        }
        out.put("status_code", resp.status()).put("reason_phrase", resp.reason()).put("uri", path);
        if (!resp.body().isEmpty()) out.put("content_type", "application/json").put("message_body", resp.body());
        return finishResponse(out, application);
    }

    private String finishResponse(ObjectNode out, String application) {
        out.put("application", application == null ? "" : application).put("timestamp", now()).put("asterisk_id", cfg.asteriskId);
        return out.toString();
    }

    // ------------------------------------------------------------------------------------------ event connections

    /** An events connection: messages go out in order on their own thread; a dead peer never blocks the simulator. */
    private abstract class Sink {
        final Set<String> apps = new LinkedHashSet<>();
        final LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
        final String user;
        final boolean perCall;
        volatile boolean open = true;
        private volatile boolean writing;

        Sink(String user, boolean perCall) {
            this.user = user;
            this.perCall = perCall;
            Thread.ofVirtual().name("sim-ari-writer").start(this::writeLoop);
        }

        void enqueue(String text) {
            if (open) out.offer(text);
        }

        private void writeLoop() {
            try {
                while (true) {
                    String t = out.take();
                    if (!open) return;
                    writing = true;
                    try {
                        write(t);
                    } catch (Exception e) {
                        abort();
                        return;
                    } finally {
                        writing = false;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        abstract void write(String text) throws Exception;

        /** Everything queued has been written (or the connection is gone). */
        boolean drained() { return !open || out.isEmpty() && !writing; }

        /** Drops the connection without a close frame. */
        abstract void abort();

        /** Closes it with 1000. */
        abstract void close();

        /** A text message from the peer: REST over the WebSocket. */
        void received(String text) {
            synchronized (SimulatedAriAsterisk.this) {
                enqueue(restOverWebSocket(text, user, apps.isEmpty() ? null : apps.iterator().next()));
            }
        }

        void ended() {
            open = false;
            synchronized (SimulatedAriAsterisk.this) {
                sinks.remove(this);
            }
        }
    }

    /** An inbound events WebSocket (a client connected to /ari/events). Public: Jetty looks its methods up by reflection. */
    public final class EventSocket extends Sink implements Session.Listener.AutoDemanding {
        private volatile Session session;
        private final java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
        private final List<String> wanted;

        EventSocket(List<String> apps, String user) {
            super(user, false);
            this.wanted = apps;
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            opened.countDown();
        }

        void register() {
            synchronized (SimulatedAriAsterisk.this) {
                for (String app : wanted) {
                    for (Sink other : sinks) {
                        if (other.apps.remove(app)) {   // a second WebSocket for the same app takes it over (09c)
                            ObjectNode e = JSON.createObjectNode();
                            e.put("type", "ApplicationReplaced").put("timestamp", now()).put("application", app)
                                    .put("asterisk_id", cfg.asteriskId);
                            other.enqueue(e.toString());
                        }
                    }
                    apps.add(app);
                }
                sinks.add(this);
            }
        }

        @Override
        public void onWebSocketText(String message) { received(message); }

        @Override
        public void onWebSocketClose(int statusCode, String reason) { ended(); }

        @Override
        public void onWebSocketError(Throwable cause) { ended(); }

        @Override
        void write(String text) throws Exception {
            if (!opened.await(5, TimeUnit.SECONDS)) throw new IllegalStateException("the WebSocket never opened");
            Callback.Completable done = new Callback.Completable();
            session.sendText(text, done);
            done.get(5, TimeUnit.SECONDS);
        }

        @Override
        void abort() {
            open = false;
            Session s = session;
            if (s != null) s.disconnect();
            ended();
        }

        @Override
        void close() {
            Session s = session;
            if (s != null) s.close(StatusCode.NORMAL, "", Callback.NOOP);
        }
    }

    /** Asterisk's outbound ARI WebSocket to an app's server (JDK client: masked frames, subprotocol {@code ari}). */
    public final class OutboundLink {
        private final OutboundConfig target;
        private final boolean persistent;
        private volatile boolean stopped;
        private volatile LinkSink current;

        OutboundLink(OutboundConfig target, boolean persistent) {
            this.target = target;
            this.persistent = persistent;
        }

        /** Stops connecting and closes the connection. */
        public void stop() {
            stopped = true;
            LinkSink s = current;
            if (s != null) s.close();
        }

        /** True while connected. */
        public boolean connected() {
            LinkSink s = current;
            return s != null && s.open;
        }

        void connect() {
            if (stopped || closed) return;
            try {
                open();
            } catch (Exception e) {
                if (persistent) retry();
            }
        }

        private void retry() {
            if (stopped || closed) return;
            timer.schedule(() -> Thread.ofVirtual().start(this::connect), target.reconnect().toMillis(), TimeUnit.MILLISECONDS);
        }

        Sink connectPerCall() {
            try {
                return open();
            } catch (Exception e) {
                return new LinkSink(target.user(), false);   // nobody listens: events go nowhere
            }
        }

        private LinkSink open() throws Exception {
            LinkSink sink = new LinkSink(target.user(), true);
            WebSocket.Builder b = wsClient.newWebSocketBuilder().subprotocols("ari").connectTimeout(Duration.ofSeconds(2));
            if (target.user() != null) {
                b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (target.user() + ":" + target.password()).getBytes(StandardCharsets.UTF_8)));
            }
            WebSocket ws = b.buildAsync(target.uri(), sink).get(3, TimeUnit.SECONDS);
            sink.ws = ws;
            current = sink;
            synchronized (SimulatedAriAsterisk.this) {
                sink.apps.add(target.app());
                sinks.add(sink);
                ObjectNode e = JSON.createObjectNode();
                e.put("type", "ApplicationRegistered").put("timestamp", now()).put("application", target.app())
                        .put("asterisk_id", cfg.asteriskId);
                sink.enqueue(e.toString());
            }
            return sink;
        }

        private final class LinkSink extends Sink implements WebSocket.Listener {
            volatile WebSocket ws;
            private final TextParts parts = new TextParts();

            LinkSink(String user, boolean live) {
                super(user == null ? "" : user, !persistent);
                if (!live) open = false;
            }

            @Override
            void write(String text) throws Exception {
                ws.sendText(text, true).get(5, TimeUnit.SECONDS);
            }

            @Override
            void abort() {
                open = false;
                WebSocket w = ws;
                if (w != null) w.abort();
                ended();
                if (persistent) retry();
            }

            @Override
            void close() {
                WebSocket w = ws;
                if (w != null && !w.isOutputClosed()) w.sendClose(WebSocket.NORMAL_CLOSURE, "");
            }

            @Override
            public void onOpen(WebSocket webSocket) { webSocket.request(Long.MAX_VALUE); }   // see AriClient: no demand gap at EOF

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                String m = parts.add(data, last);
                if (m != null) received(m);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                boolean was = open;
                ended();
                if (!webSocket.isOutputClosed()) webSocket.sendClose(statusCode, "");
                if (was && persistent) Thread.ofVirtual().start(OutboundLink.this::connect);   // at once, as Asterisk did (09d)
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                boolean was = open;
                ended();
                if (was && persistent) retry();
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                return null;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ builder

    /** Settings of a {@link SimulatedAriAsterisk}. */
    public static final class Builder {
        private int port;
        private final Map<String, String> users = new LinkedHashMap<>();
        private final List<String> readOnly = new ArrayList<>();
        private Duration keepAlive = Duration.ofSeconds(15);
        private String version = "22.10.1";
        private String asteriskId = "02:fc:00:00:00:01";
        private ToLongFunction<String> durations = m -> 20;
        private java.util.function.Predicate<String> missing = f -> f.startsWith("no-such");
        private long secondMillis = 1000;
        private long speakMillis = 50;

        private Builder() {}

        /** Port to listen on (0 = any free one; the default). */
        public Builder port(int p) { port = p; return this; }

        /** An ari.conf user. */
        public Builder user(String name, String password) { users.put(name, password); return this; }

        /** An ari.conf user with {@code read_only = yes}. */
        public Builder readOnlyUser(String name, String password) {
            users.put(name, password);
            readOnly.add(name);
            return this;
        }

        /** http.conf {@code session_keep_alive}: idle HTTP connections are closed after this; default 15 s. */
        public Builder keepAlive(Duration d) { keepAlive = d; return this; }

        /** How long each media URI plays, in ms; default 20 ms each. */
        public Builder playbackMillis(ToLongFunction<String> f) { durations = f; return this; }

        /** Sound files that do not exist (played: PlaybackFinished {@code failed}); default: names starting {@code no-such}. */
        public Builder missingSounds(java.util.function.Predicate<String> p) { missing = p; return this; }

        /** How long a "second" of recording limits lasts here (default 1000 ms; tests shorten it). */
        public Builder secondMillis(long ms) { secondMillis = ms; return this; }

        public SimulatedAriAsterisk start() {
            SimulatedAriAsterisk sim = new SimulatedAriAsterisk(this);
            sim.wire.start();
            return sim;
        }
    }
}
