package org.tinyphone.server.clients;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** WebSocket clients of the native dialect: one {@link NativeSession} per socket, one text frame per message. */
public final class WebSocketClients {
    private static final Logger log = LoggerFactory.getLogger(WebSocketClients.class);

    private final ClientHub hub;

    public WebSocketClients(ClientHub hub) {
        this.hub = hub;
    }

    /** A new endpoint for one upgraded connection. */
    public Session.Listener.AutoDemanding newEndpoint() {
        return new Endpoint(hub);
    }

    /** One WebSocket connection (public: Jetty looks its methods up by reflection). */
    public static final class Endpoint implements Session.Listener.AutoDemanding {
        private final ClientHub hub;
        private NativeSession session;

        Endpoint(ClientHub hub) {
            this.hub = hub;
        }

        @Override
        public void onWebSocketOpen(Session ws) {
            session = new NativeSession(hub, new WsTransport(ws), ClientHub.WEBSOCKET, false);
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
            log.debug("WebSocket error: {}", cause.toString());
            if (session != null) session.finish("WebSocket error: " + cause.getMessage());
        }
    }

    private static final class WsTransport implements Transport {
        private final Session ws;
        private final String remote;

        WsTransport(Session ws) {
            this.ws = ws;
            this.remote = String.valueOf(ws.getRemoteSocketAddress());
        }

        @Override
        public void write(String message) throws IOException {
            CompletableFuture<Void> sent = new CompletableFuture<>();
            ws.sendText(message, Callback.from(() -> sent.complete(null), sent::completeExceptionally));
            try {
                sent.get(); // ends when written, or fails when the socket is closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while sending");
            } catch (ExecutionException e) {
                throw new IOException("WebSocket send failed: " + e.getCause(), e.getCause());
            }
        }

        @Override
        public void flush() {}

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
