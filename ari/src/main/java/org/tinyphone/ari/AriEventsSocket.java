package org.tinyphone.ari;

import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;

/** One events WebSocket of an {@link AriClient}: the JDK calls this listener one message part at a time; it decodes and queues only. */
final class AriEventsSocket extends AriSession implements WebSocket.Listener {
    private static final Logger log = LoggerFactory.getLogger(AriClient.class);   // the client's log, as before the split
    private final AriConnector.Settings cfg;
    private final StasisRuntime runtime;
    private final RestTransport httpRest;
    private final MessageAssembler assembler;
    private final CompletableFuture<String> end = new CompletableFuture<>();
    private final CompletableFuture<Void> peerClosed = new CompletableFuture<>();
    private final ReentrantLock sendLock = new ReentrantLock();
    private volatile WebSocket ws;
    private volatile long lastHeard = System.nanoTime();
    private volatile WebSocketRestTransport wsRest;
    private long binaryBytes;   // of the binary message being read (the JDK calls one part at a time)

    AriEventsSocket(AriConnector.Settings cfg, StasisRuntime runtime, RestTransport httpRest) {
        super(cfg.where(), runtime.restFailures);
        this.cfg = cfg;
        this.runtime = runtime;
        this.httpRest = httpRest;
        this.assembler = new MessageAssembler(runtime.config().maxMessageChars);
    }

    void started(WebSocket ws) {
        this.ws = ws;
        if (cfg.restOverWebSocket()) wsRest = new WebSocketRestTransport(this::sendText, where() + " (REST over the WebSocket)",
                runtime.config().restTimeout);
        if (!cfg.pingInterval().isZero() && !cfg.pingInterval().isNegative()) {
            Thread.ofVirtual().name("ari-ping-" + where()).start(this::keepAlive);
        }
    }

    @Override
    RestTransport rest() { return cfg.restOverWebSocket() ? wsRest : httpRest; }

    private void sendText(String text) throws IOException {
        WebSocket w = ws;
        if (w == null) throw new IOException("not connected");
        sendLock.lock();
        try {
            w.sendText(text, true).get(runtime.config().restTimeout.toMillis(), TimeUnit.MILLISECONDS);
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
        long interval = cfg.pingInterval().toNanos();
        while (!end.isDone()) {
            try {
                Thread.sleep(cfg.pingInterval());
            } catch (InterruptedException e) {
                return;
            }
            if (end.isDone()) return;
            if (System.nanoTime() - lastHeard > 2 * interval) {
                finish("nothing from Asterisk for " + 2 * cfg.pingInterval().toMillis() + " ms, not even a Pong");
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
                log.debug("ARI {}: no clean close: {}", where(), e.toString());
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
        binaryBytes += data.remaining();
        if (last) {
            runtime.onBinary(this, binaryBytes);
            binaryBytes = 0;
        }
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
