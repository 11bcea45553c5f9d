package org.tinyphone.server.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * An app as Twilio's Media Streams docs describe one: a WebSocket server (Jetty) at {@code /media} that keeps every
 * message it is sent, per connection, and sends what the test tells it to.
 */
public final class TwilioTestApp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One connection from Tinyphone: its messages in order, raw and parsed. */
    public static final class Conn {
        final List<String> raw = new CopyOnWriteArrayList<>();
        final List<JsonNode> messages = new CopyOnWriteArrayList<>();
        volatile Session session;
        /** The handshake's headers, by lower-case name. */
        volatile java.util.Map<String, String> headers = java.util.Map.of();
        volatile int closeCode = -1;

        public List<JsonNode> events(String event) {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode m : messages) if (m.path("event").asText().equals(event)) out.add(m);
            return out;
        }

        void send(String text) {
            session.sendText(text, Callback.NOOP);
        }

        void sendBinary(byte[] bytes) {
            session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
        }

        void close() {
            session.close(1000, "bye", Callback.NOOP);
        }
    }

    public final List<Conn> connections = new CopyOnWriteArrayList<>();
    private final Server server;
    private final int port;

    public TwilioTestApp() throws Exception {
        this(0);
    }

    TwilioTestApp(int port) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, context, container -> {
            container.setMaxTextMessageSize(1 << 20);
            container.addMapping("/media", (req, resp, cb) -> {
                java.util.Map<String, String> h = new java.util.HashMap<>();
                for (org.eclipse.jetty.http.HttpField f : req.getHeaders()) h.put(f.getLowerCaseName(), f.getValue());
                Endpoint e = new Endpoint();
                e.conn.headers = java.util.Map.copyOf(h);
                return e;
            });
        });
        context.setHandler(ws);
        server.setHandler(context);
        server.start();
        this.port = connector.getLocalPort();
    }

    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port + "/media?token=s3cret");
    }

    public int port() {
        return port;
    }

    public Conn last() {
        return connections.get(connections.size() - 1);
    }

    public final class Endpoint implements Session.Listener.AutoDemanding {
        private final Conn conn = new Conn();

        @Override
        public void onWebSocketOpen(Session session) {
            conn.session = session;
            connections.add(conn);
        }

        @Override
        public void onWebSocketText(String message) {
            conn.raw.add(message);
            try {
                conn.messages.add(JSON.readTree(message));
            } catch (Exception e) {
                throw new AssertionError("Tinyphone sent something that is not JSON: " + message, e);
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            conn.closeCode = statusCode;
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
