package org.tinyphone.ari;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;

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
 * and queues: app code never runs on it.
 */
public final class AriClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AriClient.class);

    private final Builder cfg;
    private final StasisRuntime runtime;
    private final HttpClient http;
    private final HttpRestTransport httpRest;
    private final String wsUri;
    private final String where;
    private final Ari ari;
    private final CountDownLatch firstConnect = new CountDownLatch(1);
    /** The first connection attempt's outcome: done when it connected, failed when it did not. */
    private final CompletableFuture<Void> firstOutcome = new CompletableFuture<>();
    private volatile InboundSession current;
    private volatile Thread loop;
    private volatile boolean closed;

    private AriClient(Builder b) {
        this.cfg = b;
        String base = b.url;
        while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        if (base.endsWith("/ari")) base = base.substring(0, base.length() - 4);
        URI u = URI.create(base);
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
            throw new IllegalArgumentException("ARI url must be http:// or https://, e.g. http://127.0.0.1:8088: " + b.url);
        }
        this.where = u.getHost() + ":" + (u.getPort() < 0 ? ("https".equals(u.getScheme()) ? 443 : 80) : u.getPort());
        this.runtime = new StasisRuntime(b.runtime, "ARI " + where);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.connectTimeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        String authorization = b.user == null || b.apiKey ? null
                : "Basic " + Base64.getEncoder().encodeToString((b.user + ":" + b.password).getBytes(StandardCharsets.UTF_8));
        String apiKey = b.user != null && b.apiKey ? b.user + ":" + b.password : null;
        this.httpRest = new HttpRestTransport(http, base + "/ari/", authorization, apiKey, b.maxConnections, b.runtime.restTimeout);
        StringBuilder ws = new StringBuilder(base.replaceFirst("^http", "ws")).append("/ari/events?app=")
                .append(UrlCodec.query(String.join(",", b.runtime.apps.keySet()))).append("&subscribeAll=").append(b.subscribeAll);
        if (apiKey != null) ws.append("&api_key=").append(UrlCodec.query(apiKey));
        this.wsUri = ws.toString();
        this.ari = new Ari(this::restNow, runtime::ownChannel);
        this.authorization = authorization;
    }

    private final String authorization;

    public static Builder builder() { return new Builder(); }

    // ------------------------------------------------------------------------------------------ public API

    /** Starts connecting (in the background; it keeps trying until {@link #close()}). */
    public synchronized AriClient start() {
        if (closed) throw new IllegalStateException("ARI client closed");
        if (loop == null) loop = Thread.ofVirtual().name("ari-connect-" + where).start(this::connectLoop);
        return this;
    }

    /**
     * Starts and waits for the first connection. Throws {@link AriHttpException} if Asterisk refused the
     * WebSocket (401 bad credentials, ...) or {@link AriConnectionException} if it could not be reached within
     * the timeout; the client keeps trying in the background either way until closed.
     */
    public AriClient connect(Duration timeout) {
        start();
        if (current != null) return this;
        try {
            firstOutcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return this;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AriConnectionException("interrupted while connecting to ARI at " + where);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AriException a) throw a;
            throw new AriConnectionException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new AriConnectionException("no ARI connection to " + where + " within " + timeout.toMillis() + " ms");
        }
    }

    /** Waits until connected (first time or again); true if it is. */
    public boolean awaitConnected(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!firstConnect.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) return false;
            while (current == null && System.nanoTime() < deadline) Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return current != null;
    }

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
        if (closed) return;
        closed = true;
        InboundSession s = current;
        if (s != null) s.close("closed by the application");   // first: the close frame goes out before anything stops
        Thread l = loop;
        if (l != null) l.interrupt();
        runtime.close();
        httpRest.close();
        firstOutcome.completeExceptionally(new AriConnectionException("ARI client closed"));
    }

    // ------------------------------------------------------------------------------------------ connection loop

    private RestTransport restNow() {
        if (!cfg.restOverWebSocket) return httpRest;
        InboundSession s = current;
        return s == null ? null : s.rest();
    }

    private void connectLoop() {
        long initial = Math.max(1, cfg.reconnectInitial.toMillis());
        long backoff = initial;
        Instant lostAt = null;
        int failures = 0;
        while (!closed) {
            InboundSession s;
            try {
                s = open();
            } catch (AriException e) {
                failures++;
                firstOutcome.completeExceptionally(e);
                long wait = backoff + ThreadLocalRandom.current().nextLong(backoff / 4 + 1);
                if (e instanceof AriHttpException h && (h.status() == 401 || h.status() == 403)) {
                    log.error("ARI {}: Asterisk refused the events WebSocket: {} (check ari.conf and the credentials); "
                            + "trying again in {} ms", where, e.getMessage(), wait);
                } else if (failures <= 3 || failures % 20 == 0) {
                    log.warn("ARI {}: cannot connect (attempt {}): {}; trying again in {} ms", where, failures, e.getMessage(), wait);
                }
                if (!sleep(wait)) return;
                backoff = Math.min(backoff * 2, Math.max(initial, cfg.reconnectMax.toMillis()));
                continue;
            }
            failures = 0;
            backoff = initial;
            current = s;
            if (closed) {
                s.close("closed by the application");
                return;
            }
            boolean again = lostAt != null;
            log.info("ARI {}: {} as {} (events WebSocket up{})", where, again ? "connected again" : "connected",
                    String.join(",", apps()), again ? " after " + Duration.between(lostAt, Instant.now()).toMillis() + " ms" : "");
            runtime.resync(s, apps()::contains, lostAt);
            runtime.state(again ? AriConnectionState.RECONNECTED : AriConnectionState.CONNECTED);
            firstConnect.countDown();
            firstOutcome.complete(null);
            String reason = s.awaitEnd();
            current = null;
            if (closed) return;
            lostAt = Instant.now();
            log.warn("ARI {}: events WebSocket lost ({}); events until it is back are lost, calls stay in Stasis; reconnecting",
                    where, reason);
            runtime.state(AriConnectionState.LOST);
            long wait = ThreadLocalRandom.current().nextLong(initial + 1);   // jitter, so a fleet does not come back at once
            if (!sleep(wait)) return;
        }
    }

    private boolean sleep(long ms) {
        try {
            Thread.sleep(ms);
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private InboundSession open() {
        InboundSession s = new InboundSession();
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(cfg.connectTimeout);
        if (authorization != null) b.header("Authorization", authorization);
        try {
            WebSocket ws = b.buildAsync(URI.create(wsUri), s).get(cfg.connectTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            s.started(ws);
            return s;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof WebSocketHandshakeException h) {
                int status = h.getResponse().statusCode();
                if (status == 101) throw new AriConnectionException("the events WebSocket upgrade to " + where + " was cut off");
                Object body = h.getResponse().body();
                String text = body instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : body == null ? "" : body.toString();
                throw Ari.error(RestRequest.get("events").param("app", String.join(",", apps())), new RestResponse(status, null, text));
            }
            throw new AriConnectionException("cannot open the ARI events WebSocket at " + where + ": " + c, c);
        } catch (TimeoutException e) {
            throw new AriConnectionException("no answer to the ARI WebSocket upgrade from " + where + " within "
                    + cfg.connectTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AriConnectionException("interrupted while connecting to " + where);
        }
    }

    /** One events WebSocket: the JDK calls this listener one message part at a time; it decodes and queues only. */
    private final class InboundSession extends AriSession implements WebSocket.Listener {
        private final MessageAssembler assembler = new MessageAssembler(cfg.runtime.maxMessageChars);
        private final CompletableFuture<String> end = new CompletableFuture<>();
        private final CompletableFuture<Void> peerClosed = new CompletableFuture<>();
        private final ReentrantLock sendLock = new ReentrantLock();
        private volatile WebSocket ws;
        private volatile long lastHeard = System.nanoTime();
        private volatile WebSocketRestTransport wsRest;

        InboundSession() { super(where); }

        void started(WebSocket ws) {
            this.ws = ws;
            if (cfg.restOverWebSocket) wsRest = new WebSocketRestTransport(this::sendText, where + " (REST over the WebSocket)",
                    cfg.runtime.restTimeout);
            if (!cfg.pingInterval.isZero() && !cfg.pingInterval.isNegative()) {
                Thread.ofVirtual().name("ari-ping-" + where).start(this::keepAlive);
            }
        }

        @Override
        RestTransport rest() { return cfg.restOverWebSocket ? wsRest : httpRest; }

        private void sendText(String text) throws IOException {
            WebSocket w = ws;
            if (w == null) throw new IOException("not connected");
            sendLock.lock();
            try {
                w.sendText(text, true).get(cfg.runtime.restTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("send failed: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending", e);
            } finally {
                sendLock.unlock();
            }
        }

        /** A Ping every interval; nothing heard for two intervals means the connection is dead (half-open TCP). */
        private void keepAlive() {
            long interval = cfg.pingInterval.toNanos();
            while (!end.isDone()) {
                try {
                    Thread.sleep(cfg.pingInterval);
                } catch (InterruptedException e) {
                    return;
                }
                if (end.isDone()) return;
                if (System.nanoTime() - lastHeard > 2 * interval) {
                    finish("nothing from Asterisk for " + 2 * cfg.pingInterval.toMillis() + " ms, not even a Pong");
                    ws.abort();
                    return;
                }
                ws.sendPing(ByteBuffer.allocate(0));
            }
        }

        String awaitEnd() {
            try {
                return end.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            } catch (ExecutionException e) {
                return e.getCause().toString();
            }
        }

        private void finish(String reason) {
            if (!end.complete(reason)) return;
            WebSocketRestTransport w = wsRest;
            if (w != null) w.lost(reason);
        }

        /** Sends a close frame (1000), waits briefly for Asterisk's answering close frame, then drops the connection. */
        @Override
        void close(String reason) {
            WebSocket w = ws;
            finish(reason);
            if (w != null && !w.isOutputClosed()) {
                try {
                    w.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
                    peerClosed.get(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    log.debug("ARI {}: no clean close: {}", where, e.toString());
                }
            }
            if (w != null) w.abort();
        }

        /**
         * Unbounded demand: the JDK calls this listener one message at a time anyway, and it never waits. With a
         * demand of one, renewed after each message, a connection that ends (EOF, no close frame) while a message is
         * being handled finds no demand and the JDK fails with an InternalError instead of telling onClose.
         */
        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(Long.MAX_VALUE);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastHeard = System.nanoTime();
            runtime.onPart(this, assembler, data, last);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            lastHeard = System.nanoTime();
            if (last) log.warn("ARI {}: a binary message on the events WebSocket was ignored", where);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            lastHeard = System.nanoTime();
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            lastHeard = System.nanoTime();
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            peerClosed.complete(null);
            finish("Asterisk closed the WebSocket (" + statusCode + (reason == null || reason.isEmpty() ? "" : " " + LogText.escape(reason)) + ")");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            finish("WebSocket error: " + error);
        }
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
