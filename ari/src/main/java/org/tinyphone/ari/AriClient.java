package org.tinyphone.ari;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A connection to Asterisk as one or more Stasis applications: the events WebSocket
 * ({@code /ari/events?app=...}) with REST over HTTP, kept up by reconnecting with backoff and jitter.
 * Each channel entering one of the apps runs its {@link StasisApp} on its own virtual thread.
 *
 * <pre>{@code
 * AriClient ari = AriClient.builder().url("http://127.0.0.1:8088").credentials("lab", "secret")
 *         .app("hello", call -> {
 *             call.answer();
 *             call.play("sound:hello-world");
 *             while (!(call.nextEvent() instanceof AriEvent.PlaybackFinished)) { }
 *         })
 *         .onState(s -> System.out.println("ARI " + s))
 *         .build();
 * ari.start();
 * }</pre>
 *
 * <p>Connection: {@link AriConnectionState#CONNECTED} the first time; when the WebSocket drops or goes silent
 * (a Ping unanswered) {@link AriConnectionState#LOST}; when it is back, the calls still in Stasis are looked up
 * ({@code GET /channels}) so their apps go on, and {@link AriConnectionState#RECONNECTED}. The reader only decodes
 * and queues: app code never runs on it. This class is the API and its settings; {@link AriConnector} keeps the
 * connection up, {@link AriEventsSocket} is one events WebSocket.
 */
public final class AriClient implements AutoCloseable {
    private final StasisRuntime runtime;
    private final HttpRestTransport httpRest;
    private final String where;
    private final Ari ari;
    private final AriConnector connector;

    private AriClient(Builder b) {
        String base = b.url;
        while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        if (base.endsWith("/ari")) base = base.substring(0, base.length() - 4);
        URI u = URI.create(base);
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
            throw new IllegalArgumentException("ARI url must be http:// or https://, e.g. http://127.0.0.1:8088: " + b.url);
        }
        this.where = u.getHost() + ":" + (u.getPort() < 0 ? ("https".equals(u.getScheme()) ? 443 : 80) : u.getPort());
        this.runtime = new StasisRuntime(b.runtime, "ARI " + where);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.connectTimeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        String authorization = b.user == null || b.apiKey ? null
                : "Basic " + Base64.getEncoder().encodeToString((b.user + ":" + b.password).getBytes(StandardCharsets.UTF_8));
        String apiKey = b.user != null && b.apiKey ? b.user + ":" + b.password : null;
        this.httpRest = new HttpRestTransport(http, base + "/ari/", authorization, apiKey, b.maxConnections, b.runtime.restTimeout);
        StringBuilder ws = new StringBuilder(base.replaceFirst("^http", "ws")).append("/ari/events?app=")
                .append(UrlCodec.query(String.join(",", b.runtime.apps.keySet()))).append("&subscribeAll=").append(b.subscribeAll);
        if (apiKey != null) ws.append("&api_key=").append(UrlCodec.query(apiKey));
        this.connector = new AriConnector(new AriConnector.Settings(where, ws.toString(), authorization, b.restOverWebSocket,
                b.connectTimeout, b.reconnectInitial, b.reconnectMax, b.pingInterval), runtime, http, httpRest);
        this.ari = new Ari(connector::restNow, runtime::ownChannel, runtime.restFailures);
    }

    public static Builder builder() { return new Builder(); }

    // ------------------------------------------------------------------------------------------ public API

    /** Starts connecting (in the background; it keeps trying until {@link #close()}). */
    public AriClient start() {
        connector.start();
        return this;
    }

    /**
     * Starts and waits for the first connection. Throws {@link AriHttpException} if Asterisk refused the
     * WebSocket (401 bad credentials, ...) or {@link AriConnectionException} if it could not be reached within
     * the timeout; the client keeps trying in the background either way until closed.
     */
    public AriClient connect(Duration timeout) {
        start();
        connector.awaitFirst(timeout);
        return this;
    }

    /** Waits until connected (first time or again); true if it is. */
    public boolean awaitConnected(Duration timeout) { return connector.awaitConnected(timeout); }


    /** REST resources (over HTTP, or over the events WebSocket with {@link Builder#restOverWebSocket}). */
    public Ari ari() { return ari; }

    /** Listens to every event (also those of calls), on the listener's own virtual thread. */
    public AriSubscription onEvent(Consumer<AriEvent> listener) { return runtime.onEvent(listener); }

    /** Listens to connection changes. */
    public AriSubscription onState(Consumer<AriConnectionState> listener) { return runtime.onState(listener); }

    /** The last connection state told, or null before the first. */
    public AriConnectionState state() { return runtime.lastState(); }

    public AriStats stats() { return runtime.stats(); }

    /** Calls now in Stasis here. */
    public List<StasisCall> calls() { return runtime.calls(); }

    /** The apps this client serves (the {@code app=} of its WebSocket). */
    public Set<String> apps() { return runtime.config().apps.keySet(); }

    /** {@code host:port} of Asterisk. */
    public String address() { return where; }

    /**
     * Closes the WebSocket (status 1000) and stops reconnecting. Calls' threads are interrupted; their channels stay
     * in Stasis in Asterisk (a client started later finds them).
     */
    @Override
    public void close() {
        if (!connector.stop()) return;
        runtime.close();
        httpRest.close();
        connector.stopped();
    }

    /** Settings of an {@link AriClient}. */
    public static final class Builder extends StasisBuilder<Builder> {
        private String url = "http://127.0.0.1:8088";
        private String user;
        private String password;
        private boolean apiKey;
        private boolean subscribeAll;
        private boolean restOverWebSocket;
        private int maxConnections = 16;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration reconnectInitial = Duration.ofMillis(500);
        private Duration reconnectMax = Duration.ofSeconds(10);
        private Duration pingInterval = Duration.ofSeconds(5);

        private Builder() {}

        /** Asterisk's HTTP server, e.g. {@code http://127.0.0.1:8088} (a trailing {@code /ari} is fine). */
        public Builder url(String url) { this.url = url; return this; }

        /** An ari.conf user, sent as {@code Authorization: Basic}. */
        public Builder credentials(String user, String password) {
            this.user = user;
            this.password = password;
            this.apiKey = false;
            return this;
        }

        /** An ari.conf user, sent as {@code ?api_key=user:password} on every request instead of a header. */
        public Builder apiKey(String user, String password) {
            credentials(user, password);
            this.apiKey = true;
            return this;
        }

        /** {@code subscribeAll=true}: events of every channel, bridge and endpoint, not only the app's (default false). */
        public Builder subscribeAll(boolean v) { subscribeAll = v; return this; }

        /**
         * Sends REST requests as {@code RESTRequest} messages over the events WebSocket (Asterisk 22.5 / 21.10 / 20.15
         * and later) instead of HTTP: one connection for everything. Default false (HTTP works with every Asterisk).
         */
        public Builder restOverWebSocket(boolean v) { restOverWebSocket = v; return this; }

        /** Most REST requests in flight at once over HTTP (so, connections to Asterisk); default 16. */
        public Builder maxConnections(int n) {
            if (n < 1) throw new IllegalArgumentException("maxConnections must be positive");
            maxConnections = n;
            return this;
        }

        /** Longest wait for the TCP connection and the WebSocket upgrade; default 5 s. */
        public Builder connectTimeout(Duration d) { connectTimeout = d; return this; }

        /** Waits between connection attempts: doubling from {@code initial} up to {@code max}, plus up to 25% jitter. */
        public Builder reconnectBackoff(Duration initial, Duration max) {
            reconnectInitial = initial;
            reconnectMax = max;
            return this;
        }

        /**
         * A WebSocket Ping this often; nothing heard for two intervals ends the connection (it reconnects). It catches a
         * half-open TCP connection, and also the JDK client's own silent failure: an abrupt close (no close frame) that
         * arrives while a message is being handed over is lost inside the JDK (an InternalError on its selector
         * thread), and no onClose follows. Zero: off. Default 5 s.
         */
        public Builder pingInterval(Duration d) { pingInterval = d; return this; }

        public AriClient build() {
            if (runtime.apps.isEmpty()) throw new IllegalArgumentException("an ARI client needs at least one app (Builder.app)");
            return new AriClient(this);
        }
    }
}
