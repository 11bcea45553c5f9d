package org.tinyphone.ari;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.AddressLimit;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.WrongSecretLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.net.jetty.GuardedConnector;
import org.tinyphone.net.jetty.JettyStart;
import org.tinyphone.net.jetty.RequestDeadline;

/**
 * The listener for Asterisk's outbound ARI WebSocket ({@code ari.conf type=outbound_websocket}, Asterisk 22.5+):
 * Asterisk connects to us, registers its application ({@code ApplicationRegistered}), sends events, and we send REST
 * requests back over the same socket ({@code RESTRequest} / {@code RESTResponse}, capture 09d). Works with
 * {@code connection_type=persistent} (one connection; Asterisk reconnects when it drops, and the calls still in
 * Stasis are looked up again) and {@code per_call_config} (one connection per call, application
 * {@code app:channel}). Each channel in Stasis runs its {@link StasisApp} on its own virtual thread, as with
 * {@link AriClient}.
 *
 * <p>The JDK has a WebSocket client but no server; this class uses Jetty 12's WebSocket server (optional
 * dependencies of this module: add {@code org.eclipse.jetty:jetty-server} and
 * {@code org.eclipse.jetty.websocket:jetty-websocket-jetty-server}). Binds to 127.0.0.1 unless told otherwise,
 * like every Asterisk-facing port, and has the guards of every Tinyphone listener ({@code tinyphone-net}): an
 * allow-list of the hosts that may connect (checked at accept, before a byte is read), a connection cap (at the cap
 * it stops accepting until one closes), a deadline for the upgrade request's headers and then for Asterisk's
 * {@code ApplicationRegistered}, and failed accepts retried
 * with a backoff; {@link #listenerStats()} counts them. An upgrade with an {@code Origin} header comes from a web page
 * in a browser (Asterisk sends none), and is refused with 403. With {@link Builder#credentials} set, wrong or no
 * credentials are refused with 401, and an address that gave {@value WrongSecretLimiter#MAX_FAILURES} wrong ones
 * within a minute is refused with 429 (Retry-After: 60) for the rest of it, its credentials not looked at.
 */
public final class OutboundAriServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboundAriServer.class);
    /** The listener's name in log lines. */
    private static final String NAME = "ari outbound";

    private final Builder cfg;
    private final StasisRuntime runtime;
    private final Server server;
    private final GuardedConnector connector;
    private final String expectedAuthorization;
    private final Map<String, Set<OutboundSession>> live = new ConcurrentHashMap<>();
    private final Map<String, Instant> lostAt = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    /** One budget for this listener's lines about what peers did (refusals, silence, closes), so a flood writes a bounded log. */
    private final LogLimiter limiter = new LogLimiter(5, Duration.ofSeconds(10));
    /** Addresses that gave wrong credentials: guessing them is as useless as guessing the clients' tokens. */
    private final WrongSecretLimiter wrongCredentials = new WrongSecretLimiter();

    private OutboundAriServer(Builder b) {
        this.cfg = b;
        this.runtime = new StasisRuntime(b.runtime, "ARI outbound " + b.bind + ":" + b.port);
        this.expectedAuthorization = b.user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((b.user + ":" + b.password).getBytes(StandardCharsets.UTF_8));
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("tinyphone-ari-out");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        this.server = new Server(pool);
        server.setStopTimeout(1000);
        ListenerStats stats = new ListenerStats();
        HttpConnectionFactory http1 = new HttpConnectionFactory();
        http1.getHttpConfiguration().setSendServerVersion(false);
        RequestDeadline deadline = new RequestDeadline(NAME, log, b.handshakeTimeout, stats, limiter);
        http1.addEventListener(deadline);   // the upgrade request's headers; the WebSocket then has its idle timeout
        this.connector = new GuardedConnector(server, NAME, log, stats, limiter, AddressLimit.none(), b.allow, http1);
        connector.setHost(b.bind);
        connector.setPort(b.port);
        connector.setIdleTimeout(Math.max(1000, b.handshakeTimeout.toMillis()));
        server.addConnector(connector);
        server.addBean(new GuardedConnector.Cap(b.maxConnections, connector, "maxConnections"));
        server.addBean(deadline);
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, context, container -> {
            // Asterisk sends each message as one frame; our own limit (maxMessageChars) applies per message
            container.setMaxFrameSize(Math.max(64 * 1024, 4L * b.runtime.maxMessageChars));
            container.setMaxTextMessageSize(Math.max(64 * 1024, 4L * b.runtime.maxMessageChars));
            container.setIdleTimeout(b.idleTimeout);
            for (String path : b.paths) container.addMapping(path, (req, resp, callback) -> {
                if (req.getHeaders().get(HttpHeader.ORIGIN) != null) {
                    // Asterisk sends no Origin (09d); a browser always does: a web page must not play Asterisk here
                    limiter.warn(log, "ari outbound origin", "ARI outbound: refused a WebSocket from {} sent by a web page (Origin {}): only Asterisk may connect",
                            org.eclipse.jetty.server.Request.getRemoteAddr(req), LogText.escape(req.getHeaders().get(HttpHeader.ORIGIN)));
                    Response.writeError(req, resp, callback, 403, "Forbidden");
                    return null;
                }
                java.net.InetAddress from = req.getConnectionMetaData().getRemoteSocketAddress()
                        instanceof java.net.InetSocketAddress isa ? isa.getAddress() : null;
                String authorization = req.getHeaders().get(HttpHeader.AUTHORIZATION);
                if (expectedAuthorization != null && authorization != null && !wrongCredentials.mayTry(from)) {
                    limiter.warn(log, "ari outbound guessing", "ARI outbound: refused a WebSocket from {} without looking at its "
                            + "credentials: {} wrong ones within a minute", org.eclipse.jetty.server.Request.getRemoteAddr(req),
                            WrongSecretLimiter.MAX_FAILURES);
                    resp.getHeaders().put(HttpHeader.RETRY_AFTER, "60");
                    Response.writeError(req, resp, callback, 429, "Too many wrong credentials from this address");
                    return null;
                }
                if (expectedAuthorization != null && !authorized(authorization)) {
                    if (authorization != null) wrongCredentials.failed(from);   // none given is no guess, as for tokens
                    limiter.warn(log, "ari outbound credentials", "ARI outbound: refused a WebSocket from {}: wrong or no "
                            + "credentials (websocket_client.conf username/password must match)",
                            org.eclipse.jetty.server.Request.getRemoteAddr(req));
                    resp.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"Tinyphone ARI\"");
                    Response.writeError(req, resp, callback, 401, "Authentication required");
                    return null;
                }
                if (req.hasSubProtocol("ari")) resp.setAcceptedSubProtocol("ari");
                return new OutboundSession(org.eclipse.jetty.server.Request.getRemoteAddr(req) + ":"
                        + org.eclipse.jetty.server.Request.getRemotePort(req));
            });
        });
        context.setHandler(ws);
        server.setHandler(context);
        runtime.onRegistered(s -> registered((OutboundSession) s));
    }

    private boolean authorized(String header) {
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                expectedAuthorization.getBytes(StandardCharsets.UTF_8));
    }

    public static Builder builder() { return new Builder(); }

    /** Starts listening. @throws IOException if the port cannot be bound */
    public OutboundAriServer start() throws IOException {
        try {
            JettyStart.startOrStop(server);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + cfg.bind + ":" + cfg.port + ": " + e.getMessage(), e);
        }
        log.info("ARI outbound WebSocket listener on ws://{}{} (websocket_client.conf uri)", LogText.address(cfg.bind, port()),
                String.join(",", cfg.paths));
        return this;
    }

    /** The bound port (useful with port 0). */
    public int port() { return connector.getLocalPort(); }

    public InetSocketAddress address() { return new InetSocketAddress(cfg.bind, port()); }

    public AriSubscription onEvent(Consumer<AriEvent> listener) { return runtime.onEvent(listener); }

    public AriSubscription onState(Consumer<AriConnectionState> listener) { return runtime.onState(listener); }

    public AriStats stats() { return runtime.stats(); }

    /** The listener's counters: connections accepted, open, refused (allow-list, cap, deadline), accept errors. */
    public ListenerStats listenerStats() { return connector.stats(); }

    public List<StasisCall> calls() { return runtime.calls(); }

    /** Applications with a connection from Asterisk now. */
    public Set<String> connectedApps() {
        return live.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).collect(java.util.stream.Collectors.toSet());
    }

    /** Stops listening and closes Asterisk's connections (a persistent one comes back when we listen again). */
    @Override
    public void close() {
        runtime.close();
        try {
            server.stop();
        } catch (Exception e) {
            log.debug("ARI outbound listener stop: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------ connections

    private void registered(OutboundSession s) {
        String app = s.application();
        if (app == null) return;
        if (app.indexOf(':') > 0 && !cfg.runtime.apps.containsKey(app)) {
            log.debug("ARI outbound {}: per-call connection for {}", s, LogText.escape(app));
            return;   // one call; its StasisStart follows
        }
        live.computeIfAbsent(app, k -> ConcurrentHashMap.newKeySet()).add(s);
        Instant lost = lostAt.remove(app);
        boolean again = !seen.add(app);
        Thread.ofVirtual().name("ari-out-resync-" + app).start(() -> {
            try {
                runtime.resync(s, a -> a.equals(app), lost);
                runtime.state(again ? AriConnectionState.RECONNECTED : AriConnectionState.CONNECTED);
            } finally {
                s.ready.complete(null);
            }
        });
    }

    private void gone(OutboundSession s, String reason) {
        String app = s.application();
        if (app == null) {   // never said who it is: said within the budget, a flood of them writes a bounded log
            limiter.info(log, "ari outbound closed unregistered", "ARI outbound {}: connection closed before it registered "
                    + "an application ({})", s, reason);
            return;
        }
        log.info("ARI outbound {}: connection for {} closed ({})", s, LogText.escape(app), reason);
        Set<OutboundSession> sessions = live.get(app);
        if (sessions == null || !sessions.remove(s) || !sessions.isEmpty() || runtime.closed()) return;
        lostAt.put(app, Instant.now());
        log.warn("ARI outbound: application '{}' has no connection from Asterisk now; events are lost until it reconnects",
                LogText.escape(app));
        s.ready.thenRun(() -> runtime.state(AriConnectionState.LOST));   // after this connection's CONNECTED/RECONNECTED
    }

    /** One WebSocket from Asterisk (public: Jetty looks its methods up by reflection). */
    public final class OutboundSession extends AriSession implements Session.Listener.AutoDemanding {
        private final MessageAssembler assembler = new MessageAssembler(cfg.runtime.maxMessageChars);
        private final WebSocketRestTransport rest;
        /** Done once the calls were looked up and CONNECTED/RECONNECTED told. */
        final java.util.concurrent.CompletableFuture<Void> ready = new java.util.concurrent.CompletableFuture<>();
        private volatile Session ws;
        private volatile boolean ended;

        OutboundSession(String peer) {
            super("outbound from " + peer, runtime.restFailures);
            this.rest = new WebSocketRestTransport(this::send, "outbound from " + peer, cfg.runtime.restTimeout);
        }

        private void send(String text) throws IOException {
            Session s = ws;
            if (s == null || !s.isOpen()) throw new IOException("the WebSocket is closed");
            Callback.Completable done = new Callback.Completable();
            s.sendText(text, done);
            try {
                done.get(cfg.runtime.restTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("send failed: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending", e);
            }
        }

        @Override
        RestTransport rest() { return rest; }

        @Override
        boolean endedForGood() {
            String app = application();
            return ended && (app == null || app.indexOf(':') > 0 && !cfg.runtime.apps.containsKey(app));   // per call: none comes back
        }

        @Override
        void close(String reason) {
            Session s = ws;
            if (s != null && s.isOpen()) s.close(StatusCode.NORMAL, "", Callback.NOOP);
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.ws = session;
            log.debug("ARI outbound {}: WebSocket open (protocol {})", this, session.getUpgradeResponse().getAcceptedSubProtocol());
            server.getScheduler().schedule(this::registeredInTime, cfg.handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /**
         * Asterisk registers its application as the first message on a new connection; one that has said nothing by
         * the handshake deadline is not Asterisk (or a broken one) and would hold a connection slot for the whole idle
         * timeout: it is closed and counted like a connection that missed its deadline before the upgrade.
         */
        private void registeredInTime() {
            Session s = ws;
            if (application() != null || ended || s == null || !s.isOpen()) return;
            connector.stats().countDeadlineMissed();
            limiter.warn(log, "ari outbound silent", "ARI outbound {}: no ApplicationRegistered within {} ms of the upgrade "
                    + "(listeners.handshake-timeout): closed", this, cfg.handshakeTimeout.toMillis());
            s.close(StatusCode.POLICY_VIOLATION, "no ApplicationRegistered", Callback.NOOP);
            server.getScheduler().schedule(() -> { if (s.isOpen()) s.disconnect(); }, 1, TimeUnit.SECONDS);
        }

        @Override
        public void onWebSocketPartialText(String payload, boolean fin) {
            runtime.onPart(this, assembler, payload, fin);
        }

        @Override
        public void onWebSocketBinary(java.nio.ByteBuffer payload, Callback callback) {
            runtime.onBinary(this, payload.remaining());
            callback.succeed();
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            end("closed " + statusCode + (reason == null || reason.isEmpty() ? "" : " " + LogText.escape(reason)));
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            end("error: " + LogText.escape(String.valueOf(cause)));
        }

        private void end(String reason) {
            if (ended) return;
            ended = true;
            rest.lost(reason);
            gone(this, reason);
        }
    }

    /** Settings of an {@link OutboundAriServer}. */
    public static final class Builder extends StasisBuilder<Builder> {
        private String bind = "127.0.0.1";
        private int port = 8090;
        private List<String> paths = List.of("/ari-out");
        private String user;
        private String password;
        private Duration idleTimeout = Duration.ofMinutes(10);
        private Predicate<java.net.InetAddress> allow;
        private int maxConnections = 1000;
        private Duration handshakeTimeout = Duration.ofSeconds(10);

        private Builder() {}

        /** Only these peers may connect; others are closed at accept, unheard, with a log line. Default: anyone. */
        public Builder allowFrom(Predicate<java.net.InetAddress> v) { allow = v; return this; }

        /** Connections open at once (a persistent one, or one per call in Stasis); at the cap it stops accepting until one closes. Default 1000. */
        public Builder maxConnections(int n) { maxConnections = positive(n); return this; }

        /**
         * How long a new connection may take to send its upgrade request's headers, and then, upgraded, its first
         * message ({@code ApplicationRegistered}); then it is closed. Default 10 s.
         */
        public Builder handshakeTimeout(Duration d) { handshakeTimeout = d; return this; }

        /** Address to listen on; default 127.0.0.1. */
        public Builder bind(String v) { bind = v; return this; }

        /** Port; 0 = any free one ({@link OutboundAriServer#port()} tells). Default 8090. */
        public Builder port(int v) { port = v; return this; }

        /** The path(s) of websocket_client.conf's {@code uri} (a persistent and a per-call connection may differ); default {@code /ari-out}. */
        public Builder paths(String... v) {
            if (v.length == 0) throw new IllegalArgumentException("at least one path");
            paths = java.util.Arrays.stream(v).map(p -> p.startsWith("/") ? p : "/" + p).toList();
            return this;
        }

        /** The {@code username}/{@code password} of websocket_client.conf that Asterisk must send (Basic). Null: none checked. */
        public Builder credentials(String user, String password) {
            this.user = user;
            this.password = password;
            return this;
        }

        /** A connection from Asterisk silent this long is closed (Asterisk reconnects a persistent one); default 10 min. */
        public Builder idleTimeout(Duration d) { idleTimeout = d; return this; }

        public OutboundAriServer build() {
            if (runtime.apps.isEmpty() && runtime.fallback == null) {
                throw new IllegalArgumentException("an outbound ARI server needs an app (Builder.app) or a fallback app");
            }
            return new OutboundAriServer(this);
        }
    }
}
