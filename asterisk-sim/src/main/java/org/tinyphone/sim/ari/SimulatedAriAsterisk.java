package org.tinyphone.sim.ari;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * A simulated Asterisk 22 with ARI, on real sockets: the REST resources and the events WebSocket behave as captures
 * 09a-09d and 10c show (event order and shapes, 201/204 answers, {@code {"message":...}} error bodies, 404 after a
 * hangup, 409 for a channel not in Stasis, the caller hanging up during a playback, REST over the WebSocket, the
 * outbound WebSocket mode), and it places calls into Stasis applications ({@link #call(String)}). Faults for
 * tests: {@link #dropEventConnections()}, {@link #goAway()} / {@link #comeBack()}, {@link #loseEvents(boolean)},
 * {@link #sendRaw(String)}, {@link #failRequests} (an error answer, a late one, none).
 *
 * <pre>{@code
 * try (SimulatedAriAsterisk sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").start()) {
 *     // point an ARI client at sim.url() ...
 *     SimulatedAriCall.Result r = sim.call("hello").place().await(Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class SimulatedAriAsterisk implements AutoCloseable {
    static final ObjectMapper JSON = AriState.JSON;

    private final AriState st;
    private final AriWireServer wire;
    private final AriCalls calls;
    private final HttpClient wsClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final AriRoutes routes;

    private SimulatedAriAsterisk(Builder b) {
        this.st = new AriState(b);
        this.calls = new AriCalls(st, this);
        AriRoutes[] late = new AriRoutes[1];   // the routes ask the wire server (users, error pages); it calls them
        this.wire = new AriWireServer(b.port, b.users, b.readOnly, b.keepAlive, b.version, new AriWireServer.Handler() {
            @Override
            public AriResponse rest(AriRequest r, String user) { return late[0].handler.rest(r, user); }

            @Override
            public Object events(AriRequest upgrade, String user) { return late[0].handler.events(upgrade, user); }

            @Override
            public RestFault fault(AriRequest r) { return st.faults.take(r); }
        });
        this.routes = new AriRoutes(st, calls, wire);
        late[0] = routes;
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
    public Set<String> connectedApps() {
        return st.connectedApps();
    }

    /** Channels now in Stasis. */
    public int channelsInStasis() {
        synchronized (st) {
            int n = 0;
            for (AriState.Chan c : st.channels.values()) if (c.app != null) n++;
            return n;
        }
    }

    /** Closes every events WebSocket abruptly, without a close frame (a network failure); REST keeps working. */
    public void dropEventConnections() {
        List<AriSink> copy;
        synchronized (st) {
            copy = List.copyOf(st.sinks);
        }
        for (AriSink s : copy) s.abort();
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
    public void loseEvents(boolean lose) {
        synchronized (st) {
            st.loseEvents = lose;
        }
    }

    /**
     * The next {@code times} REST requests {@code which} matches (HTTP or WebSocket) go wrong as {@code fault} says; later
     * ones are answered. A call's own: {@link SimulatedAriCall#failVariableReads}.
     */
    public void failRequests(java.util.function.Predicate<AriRequest> which, int times, RestFault fault) { st.faults.add(which, times, fault); }

    /** Sends text as is to every events connection (bad input for clients). */
    public void sendRaw(String text) {
        synchronized (st) {
            for (AriSink s : st.sinks) s.enqueue(text);
        }
    }

    /** Sends an event (JSON object without {@code asterisk_id}/{@code application}) to the connections of {@code app}. */
    public void sendEvent(String app, ObjectNode event) {
        synchronized (st) {
            st.emit(app, event);
        }
    }

    /**
     * A persistent outbound connection (ari.conf {@code type=outbound_websocket}, websocket_client.conf
     * {@code connection_type=persistent}): connects to {@code uri} now and again whenever it is closed, every
     * {@code reconnect}, until {@link OutboundLink#stop()} or {@link #close()}.
     */
    public OutboundLink outbound(String app, URI uri, String user, String password, Duration reconnect) {
        OutboundLink l = new OutboundLink(new AriState.OutboundConfig(app, uri, user, password, reconnect), true);
        synchronized (st) {
            st.links.add(l);
        }
        l.connect();
        return l;
    }

    /** Per-call outbound connections ({@code connection_type=per_call_config}) for calls into {@code app}. */
    public void outboundPerCall(String app, URI uri, String user, String password) {
        synchronized (st) {
            st.perCall.put(app, new AriState.OutboundConfig(app, uri, user, password, Duration.ofMillis(100)));
        }
    }

    @Override
    public void close() {
        st.closed = true;
        // what Asterisk already said goes out before the connections drop (a call's last events, say)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < deadline) {
            boolean drained;
            synchronized (st) {
                drained = st.sinks.stream().allMatch(AriSink::drained);
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
        synchronized (st) {
            ls = List.copyOf(st.links);
        }
        for (OutboundLink l : ls) l.stop();
        List<AudioSocketMedia> media = new ArrayList<>();
        synchronized (st) {
            for (AriState.Chan c : st.channels.values()) if (c.media != null) media.add(c.media);
        }
        for (AudioSocketMedia m : media) m.close();
        dropEventConnections();
        wire.close();
        st.timer.shutdownNow();
        wsClient.close();
    }

    /** Asterisk's outbound ARI WebSocket to an app's server (JDK client: masked frames, subprotocol {@code ari}). */
    public final class OutboundLink {
        private final AriState.OutboundConfig target;
        private final boolean persistent;
        private volatile boolean stopped;
        private volatile LinkSink current;

        OutboundLink(AriState.OutboundConfig target, boolean persistent) {
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
            if (stopped || st.closed) return;
            try {
                open();
            } catch (Exception e) {
                if (persistent) retry();
            }
        }

        private void retry() {
            if (stopped || st.closed) return;
            st.timer.schedule(() -> Thread.ofVirtual().start(this::connect), target.reconnect().toMillis(), TimeUnit.MILLISECONDS);
        }

        AriSink connectPerCall() {
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
            synchronized (st) {
                sink.apps.add(target.app());
                st.sinks.add(sink);
                ObjectNode e = JSON.createObjectNode();
                e.put("type", "ApplicationRegistered").put("timestamp", AriState.now()).put("application", target.app())
                        .put("asterisk_id", st.cfg.asteriskId);
                sink.enqueue(e.toString());
            }
            return sink;
        }

        private final class LinkSink extends AriSink implements WebSocket.Listener {
            volatile WebSocket ws;
            private final TextParts parts = new TextParts();

            LinkSink(String user, boolean live) {
                super(st, routes, user == null ? "" : user, !persistent);
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
        int port;
        final Map<String, String> users = new LinkedHashMap<>();
        final List<String> readOnly = new ArrayList<>();
        Duration keepAlive = Duration.ofSeconds(15);
        String version = "22.10.1";
        String asteriskId = "02:fc:00:00:00:01";
        ToLongFunction<String> durations = m -> 20;
        java.util.function.Predicate<String> missing = f -> f.startsWith("no-such");
        long secondMillis = 1000;
        long speakMillis = 50;

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

    /** The lock every part of the simulator holds while it reads or changes its state (the calls' too). */
    Object lock() {
        return st;
    }

    void place(SimulatedAriCall call) {
        synchronized (st) {
            calls.place(call);
        }
    }

    void pressNow(SimulatedAriCall call, char key) {
        synchronized (st) {
            calls.pressNow(call, key);
        }
    }

    void hangupNow(SimulatedAriCall call) {
        synchronized (st) {
            calls.hangupNow(call);
        }
    }
}
