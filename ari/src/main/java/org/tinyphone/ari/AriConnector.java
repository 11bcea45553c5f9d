package org.tinyphone.ari;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps an {@link AriClient}'s events WebSocket up: connects, reconnects with backoff and jitter, resyncs calls, tells the state. */
final class AriConnector {
    private static final Logger log = LoggerFactory.getLogger(AriClient.class);   // the client's log, as before the split

    /**
     * How to reach Asterisk's events WebSocket: {@code where} is {@code host:port} (for messages, no credentials),
     * {@code authorization} the Basic header or null.
     */
    record Settings(String where, String wsUri, String authorization, boolean restOverWebSocket, Duration connectTimeout,
                    Duration reconnectInitial, Duration reconnectMax, Duration pingInterval) {}

    private final Settings cfg;
    private final StasisRuntime runtime;
    private final HttpClient http;
    private final RestTransport httpRest;
    private final Set<String> apps;
    private final CountDownLatch firstConnect = new CountDownLatch(1);
    /** The first connection attempt's outcome: done when it connected, failed when it did not. */
    private final CompletableFuture<Void> firstOutcome = new CompletableFuture<>();
    private volatile AriEventsSocket current;
    private volatile Thread loop;
    private volatile boolean closed;

    AriConnector(Settings cfg, StasisRuntime runtime, HttpClient http, RestTransport httpRest) {
        this.cfg = cfg;
        this.runtime = runtime;
        this.http = http;
        this.httpRest = httpRest;
        this.apps = runtime.config().apps.keySet();
    }

    /** Starts the connection loop unless it runs; an {@link IllegalStateException} once closed. */
    synchronized void start() {
        if (closed) throw new IllegalStateException("ARI client closed");
        if (loop == null) loop = Thread.ofVirtual().name("ari-connect-" + cfg.where()).start(this::connectLoop);
    }

    /** Waits for the first connection attempt's outcome: see {@link AriClient#connect}. */
    void awaitFirst(Duration timeout) {
        if (current != null) return;
        try {
            firstOutcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AriConnectionException("interrupted while connecting to ARI at " + cfg.where());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AriException a) throw a;
            throw new AriConnectionException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new AriConnectionException("no ARI connection to " + cfg.where() + " within " + timeout.toMillis() + " ms");
        }
    }

    /** Waits until connected (first time or again); true if it is. */
    boolean awaitConnected(Duration timeout) {
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

    /** The REST transport for now: HTTP, or the events WebSocket while it is up (null while it is not). */
    RestTransport restNow() {
        if (!cfg.restOverWebSocket()) return httpRest;
        AriEventsSocket s = current;
        return s == null ? null : s.rest();
    }

    /** Stops: closes the WebSocket (status 1000) and the loop; false if it was already closed. */
    boolean stop() {
        if (closed) return false;
        closed = true;
        AriEventsSocket s = current;
        if (s != null) s.close("closed by the application");   // first: the close frame goes out before anything stops
        Thread l = loop;
        if (l != null) l.interrupt();
        return true;
    }

    /** After {@link #stop}: one still waiting for the first connection learns the client is closed. */
    void stopped() { firstOutcome.completeExceptionally(new AriConnectionException("ARI client closed")); }

    private void connectLoop() {
        long initial = Math.max(1, cfg.reconnectInitial().toMillis());
        long backoff = initial;
        Instant lostAt = null;
        int failures = 0;
        while (!closed) {
            AriEventsSocket s;
            try {
                s = open();
            } catch (AriException e) {
                failures++;
                firstOutcome.completeExceptionally(e);
                long wait = backoff + ThreadLocalRandom.current().nextLong(backoff / 4 + 1);
                if (e instanceof AriHttpException h && (h.status() == 401 || h.status() == 403)) {
                    log.error("ARI {}: Asterisk refused the events WebSocket: {} (check ari.conf and the credentials); "
                            + "trying again in {} ms", cfg.where(), e.getMessage(), wait);
                } else if (failures <= 3 || failures % 20 == 0) {
                    log.warn("ARI {}: cannot connect (attempt {}): {}; trying again in {} ms", cfg.where(), failures, e.getMessage(), wait);
                }
                if (!sleep(wait)) return;
                backoff = Math.min(backoff * 2, Math.max(initial, cfg.reconnectMax().toMillis()));
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
            log.info("ARI {}: {} as {} (events WebSocket up{})", cfg.where(), again ? "connected again" : "connected",
                    String.join(",", apps), again ? " after " + Duration.between(lostAt, Instant.now()).toMillis() + " ms" : "");
            runtime.resync(s, apps::contains, lostAt);
            runtime.state(again ? AriConnectionState.RECONNECTED : AriConnectionState.CONNECTED);
            firstConnect.countDown();
            firstOutcome.complete(null);
            String reason = s.awaitEnd();
            current = null;
            if (closed) return;
            lostAt = Instant.now();
            log.warn("ARI {}: events WebSocket lost ({}); events until it is back are lost, calls stay in Stasis; reconnecting",
                    cfg.where(), reason);
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

    private AriEventsSocket open() {
        AriEventsSocket s = new AriEventsSocket(cfg, runtime, httpRest);
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(cfg.connectTimeout());
        if (cfg.authorization() != null) b.header("Authorization", cfg.authorization());
        try {
            WebSocket ws = b.buildAsync(URI.create(cfg.wsUri()), s).get(cfg.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            s.started(ws);
            return s;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof WebSocketHandshakeException h) {
                int status = h.getResponse().statusCode();
                if (status == 101) throw new AriConnectionException("the events WebSocket upgrade to " + cfg.where() + " was cut off");
                Object body = h.getResponse().body();
                String text = body instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : body == null ? "" : body.toString();
                throw RestCalls.error(RestRequest.get("events").param("app", String.join(",", apps)), new RestResponse(status, null, text));
            }
            throw new AriConnectionException("cannot open the ARI events WebSocket at " + cfg.where() + ": " + c, c);
        } catch (TimeoutException e) {
            throw new AriConnectionException("no answer to the ARI WebSocket upgrade from " + cfg.where() + " within "
                    + cfg.connectTimeout().toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AriConnectionException("interrupted while connecting to " + cfg.where());
        }
    }
}
