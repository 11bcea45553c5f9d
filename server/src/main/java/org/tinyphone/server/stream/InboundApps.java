package org.tinyphone.server.stream;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;

/**
 * Apps that connect in to the HTTP port's {@code /streams/<number>} (docs/streams.md) and wait there for a call: each
 * call to the number that gets audio takes the one that waited longest, and speaks Twilio Media Streams on it exactly
 * as on a connection the server opens ({@link MediaStream}); {@code stop} ends it, then the server closes it. Who may
 * connect (token, Origin, the listener's caps) is checked before an endpoint is made. Waiting connections are pinged
 * every {@link #PING} so that a vanished app is found and proxies keep them. Thread-safe.
 */
public final class InboundApps implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InboundApps.class);
    /** Where apps connect: {@code /streams/<number>} on the HTTP port. */
    public static final String PATH = "/streams/";
    static final Duration PING = Duration.ofSeconds(30);

    private final MediaStreams owner;
    private final Map<String, ArrayDeque<Endpoint>> waiting = new HashMap<>(); // guarded by this
    private Thread pinger; // guarded by this
    private boolean closed; // guarded by this

    InboundApps(MediaStreams owner) {
        this.owner = owner;
    }

    /** A new endpoint for an app connecting to {@code number}'s calls (a normal number, or "*" for every number). */
    public Session.Listener endpoint(String number, String peer) {
        return new Endpoint(number, peer);
    }

    /** Apps waiting for {@code number}'s calls now. */
    public synchronized int waiting(String number) {
        ArrayDeque<Endpoint> q = waiting.get(number);
        return q == null ? 0 : q.size();
    }

    /** The longest-waiting app of {@code number}, bound to {@code c}; null when none waits. */
    MediaStream.Link take(String number, MediaStream.Connection c) {
        Endpoint e;
        synchronized (this) {
            ArrayDeque<Endpoint> q = waiting.get(number);
            e = q == null ? null : q.pollFirst();
            while (e != null && !e.session.isOpen()) e = q.pollFirst();
            if (q != null && q.isEmpty()) waiting.remove(number);
            if (e == null) return null;
            e.connection = c;
        }
        return e;
    }

    private synchronized void add(Endpoint e) {
        if (closed) {
            e.session.close(1001, "server stopping", Callback.NOOP);
            return;
        }
        waiting.computeIfAbsent(e.number, n -> new ArrayDeque<>()).addLast(e);
        if (pinger == null) pinger = Thread.ofVirtual().name("stream-apps-ping").start(this::ping);
    }

    private synchronized void remove(Endpoint e) {
        ArrayDeque<Endpoint> q = waiting.get(e.number);
        if (q != null && q.remove(e) && q.isEmpty()) waiting.remove(e.number);
    }

    private void ping() {
        try {
            while (true) {
                Thread.sleep(PING.toMillis());
                List<Endpoint> all = new ArrayList<>();
                synchronized (this) {
                    if (closed) return;
                    waiting.values().forEach(all::addAll);
                }
                for (Endpoint e : all) e.session.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the waiting apps' connections (1001) and stops pinging. */
    @Override
    public void close() {
        List<Endpoint> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            waiting.values().forEach(all::addAll);
            waiting.clear();
            if (pinger != null) pinger.interrupt();
        }
        for (Endpoint e : all) e.session.close(1001, "server stopping", Callback.NOOP);
    }

    /** One app's connection: waiting, then the link of one call's stream. */
    /** Public for Jetty, which calls its methods through method handles. */
    public final class Endpoint implements Session.Listener.AutoDemanding, MediaStream.Link {
        final String number;
        final String peer;
        volatile Session session;
        volatile MediaStream.Connection connection; // set once, when a call takes it

        Endpoint(String number, String peer) {
            this.number = number;
            this.peer = peer;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            log.info("a stream app connected in at {}{} from {}: waiting for a call", PATH, LogText.escape(number),
                    LogText.escape(peer));
            add(this);
        }

        @Override
        public void onWebSocketText(String message) {
            MediaStream.Connection c = connection;
            if (c != null) {
                c.text(message.length() > c.maxMessage() ? null : message, message.length());
            } else {
                owner.ignoredFromApp.incrementAndGet(); // before any call: nothing to say it to
                owner.bytesFromApp.add(message.length());
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            MediaStream.Connection c = connection;
            if (c != null) {
                c.binary(payload.remaining());
            } else {
                owner.ignoredFromApp.incrementAndGet();
                owner.bytesFromApp.add(payload.remaining());
            }
            callback.succeed();
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            remove(this);
            MediaStream.Connection c = connection;
            if (c != null) c.closedByApp(statusCode, reason);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            remove(this);
            MediaStream.Connection c = connection;
            if (c != null) c.failed(cause);
        }

        // ---- the link the stream sends on

        @Override
        public CompletableFuture<?> send(String text) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            session.sendText(text, Callback.from(() -> f.complete(null), f::completeExceptionally));
            return f;
        }

        @Override
        public CompletableFuture<?> close(int code, String reason) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            session.close(code, reason, Callback.from(() -> f.complete(null), f::completeExceptionally));
            return f;
        }

        @Override
        public void abort() {
            session.disconnect();
        }
    }
}
