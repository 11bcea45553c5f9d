package org.tinyphone.server.clients;

import io.socket.engineio.server.EngineIoWebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.tinyphone.server.access.Peer;

/**
 * Engine.IO's WebSocket transport on a Jetty WebSocket (the library's documented adapter point,
 * {@link EngineIoWebSocket}): text frames in and out, never blocking the sender (frames are counted in flight in the
 * connection's {@link SocketIoBacklog}); a binary frame (never part of Tinyphone's events) or a client that lets
 * {@value #MAX_IN_FLIGHT} frames pile up closes the connection.
 */
public final class SocketIoWebSocket extends EngineIoWebSocket implements Session.Listener.AutoDemanding {
    /** Frames that may wait in Jetty for one client before it counts as gone. */
    static final int MAX_IN_FLIGHT = 1024;

    private final Map<String, String> query;
    private final Map<String, List<String>> headers;
    private final Peer peer;
    private final Consumer<SocketIoWebSocket> opened;
    private volatile Session session;
    private volatile SocketIoBacklog backlog = new SocketIoBacklog(); // replaced by the connection's once known

    SocketIoWebSocket(Map<String, String> query, Map<String, List<String>> headers, Peer peer,
                      Consumer<SocketIoWebSocket> opened) {
        this.query = Map.copyOf(query);
        this.headers = headers;
        this.peer = peer;
        this.opened = opened;
    }

    Peer peer() { return peer; }

    void backlog(SocketIoBacklog b) { this.backlog = b; }

    @Override
    public Map<String, String> getQuery() { return query; }

    @Override
    public Map<String, List<String>> getConnectionHeaders() { return headers; }

    @Override
    public void write(String message) {
        Session s = session;
        if (s == null || !s.isOpen()) return;
        SocketIoBacklog b = backlog;
        if (b.sending() > MAX_IN_FLIGHT) {
            b.sent();
            s.close(StatusCode.POLICY_VIOLATION, "too slow", Callback.NOOP);
            return;
        }
        s.sendText(message, Callback.from(b::sent, failure -> b.sent()));
    }

    @Override
    public void write(byte[] message) {
        Session s = session;
        if (s == null || !s.isOpen()) return;
        SocketIoBacklog b = backlog;
        b.sending();
        s.sendBinary(ByteBuffer.wrap(message), Callback.from(b::sent, failure -> b.sent()));
    }

    @Override
    public void close() {
        Session s = session;
        if (s != null && s.isOpen()) s.close(StatusCode.NORMAL, null, Callback.NOOP);
    }

    @Override
    public void onWebSocketOpen(Session s) {
        this.session = s;
        opened.accept(this);
    }

    @Override
    public void onWebSocketText(String message) {
        emit("message", message);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
        callback.succeed();
        Session s = session;
        if (s != null) s.close(StatusCode.BAD_DATA, "binary messages are not part of Tinyphone's events", Callback.NOOP);
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        emit("close");
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        emit("error", "websocket error", String.valueOf(cause.getMessage()));
    }
}
