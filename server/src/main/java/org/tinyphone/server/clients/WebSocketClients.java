package org.tinyphone.server.clients;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;
import org.tinyphone.server.access.Peer;

/** WebSocket clients of the native dialect: one {@link NativeSession} per socket, one text frame per message. */
public final class WebSocketClients {
    private static final Logger log = LoggerFactory.getLogger(WebSocketClients.class);

    private final ClientSessions clientSessions;

    public WebSocketClients(ClientSessions clientSessions) {
        this.clientSessions = clientSessions;
    }

    /** The client sessions (the live page's first paint asks it what a page may see). */
    public ClientSessions clientSessions() { return clientSessions; }

    /**
     * A new endpoint for one upgraded connection.
     *
     * @param peer where the client is (local: see {@code BrowserOrigins.fromLocal})
     */
    public Session.Listener.AutoDemanding newEndpoint(Peer peer) {
        return new Endpoint(clientSessions, peer);
    }

    /** An upgrade was refused before it became a client (a web page from a foreign origin). */
    public void refused(String remote, String why) {
        clientSessions.logRefusal(remote, "WebSocket", why);
    }

    /** One WebSocket connection (public: Jetty looks its methods up by reflection). */
    public static final class Endpoint implements Session.Listener.AutoDemanding {
        private final ClientSessions clientSessions;
        private final Peer peer;
        private NativeSession session;

        Endpoint(ClientSessions clientSessions, Peer peer) {
            this.clientSessions = clientSessions;
            this.peer = peer;
        }

        @Override
        public void onWebSocketOpen(Session ws) {
            session = new NativeSession(clientSessions, new WsTransport(ws), ClientSessions.WEBSOCKET, false, peer);
            session.start();
        }

        @Override
        public void onWebSocketText(String message) {
            if (session != null) session.handleText(message);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
            callback.succeed();
            if (session != null) {
                session.send(NativeCodec.error(null, "bad_message", "binary messages are not part of the protocol; send JSON text"));
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            if (session != null) session.finish("client closed the WebSocket (" + statusCode + (reason == null ? "" : " " + reason) + ")");
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            log.debug("WebSocket error: {}", LogText.escape(cause.toString()));
            if (session != null) session.finish("WebSocket error: " + cause.getMessage());
        }
    }

    /**
     * A WebSocket as a session transport, on Jetty's public WebSocket API ({@link Session#sendText(String, Callback)},
     * which never blocks: Jetty writes the frame in the calling thread when the connection has room, else queues it in
     * call order). {@link #write} queues a text frame and nothing waits per frame: a flushed batch stays in flight
     * while the writer goes back to its outbox; the next batch first waits for it, so at most one batch (64 frames)
     * is queued in Jetty per client and a slow reader still backs up into the outbox (coalescing, overload).
     * {@link #sendNow} is the same call from the fan-out's thread, for an event that skips the idle writer.
     */
    private static final class WsTransport implements Transport {
        private final Session ws;
        private final String remote;
        // writer thread only:
        private byte[] last; // the last message written and not yet sent
        private CompletableFuture<Void> batch; // the batch being written; fails when any of its frames fails
        private Callback batchCallback;
        private CompletableFuture<Void> inFlight; // the last flushed batch, until it is known to be written

        WsTransport(Session ws) {
            this.ws = ws;
            this.remote = String.valueOf(ws.getRemoteSocketAddress());
        }

        @Override
        public void write(byte[] message) throws IOException {
            // keep the newest message back: flush sends it with the callback that completes the batch
            if (last != null) send(last, false);
            last = message;
        }

        @Override
        public void flush() throws IOException {
            if (last == null) return;
            inFlight = send(last, true);
            last = null;
            batch = null;
            batchCallback = null;
        }

        @Override
        public void drain() throws IOException {
            awaitInFlight();
        }

        private void awaitInFlight() throws IOException {
            CompletableFuture<Void> f = inFlight;
            if (f == null) return;
            try {
                f.get(); // ends when every frame of the batch is written, or fails when the socket is closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while sending");
            } catch (ExecutionException e) {
                throw new IOException("WebSocket send failed: " + e.getCause(), e.getCause());
            }
            inFlight = null;
        }

        /** Queues one text frame; the batch's future completes when the final one is written. */
        private CompletableFuture<Void> send(byte[] message, boolean end) throws IOException {
            if (batch == null) {
                awaitInFlight(); // a new batch: the previous one must be written first
                CompletableFuture<Void> f = new CompletableFuture<>();
                batch = f;
                batchCallback = Callback.from(() -> {}, f::completeExceptionally);
            }
            CompletableFuture<Void> f = batch;
            Callback cb = end ? Callback.from(() -> f.complete(null), f::completeExceptionally) : batchCallback;
            ws.sendText(new String(message, StandardCharsets.UTF_8), cb);
            return f;
        }

        @Override
        public boolean sendsNow() { return true; }

        @Override
        public void sendNow(byte[] message, java.util.function.Consumer<Throwable> done) {
            ws.sendText(new String(message, StandardCharsets.UTF_8), Callback.from(() -> done.accept(null), done::accept));
        }

        @Override
        public void idle() {
            if (ws.isOpen()) ws.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
        }

        @Override
        public void close(String reason) {
            if (!ws.isOpen()) return;
            String r = reason.length() > 100 ? reason.substring(0, 100) : reason;
            ws.close(reason.startsWith("too slow") ? StatusCode.POLICY_VIOLATION : StatusCode.SHUTDOWN, r, Callback.NOOP);
            // a peer that does not read never takes the close frame: cut it after a moment
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(Duration.ofSeconds(1));
                } catch (InterruptedException e) {
                    return;
                }
                if (ws.isOpen()) ws.disconnect();
            });
        }

        @Override
        public String remote() { return remote; }
    }
}
