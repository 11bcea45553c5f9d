package org.tinyphone.sim.ari;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * Asterisk's HTTP server as ARI clients see it, on real sockets (Jetty): REST under {@code /ari/} and the events
 * WebSocket at {@code /ari/events}, with Asterisk's authentication (Basic or {@code ?api_key=user:password}; 401
 * {@code {"message":"Authentication required"}} with {@code WWW-Authenticate}), its failed upgrades (400 without
 * {@code app}, 426 without {@code Upgrade}), its response headers, and idle keep-alive connections closed after
 * {@code keepAlive} (http.conf {@code session_keep_alive}, 15 s). What the REST answers are is the handler's.
 */
public final class AriWireServer implements AutoCloseable {

    /** What the server does with authenticated requests. */
    public interface Handler {
        /** Answers a REST request. */
        AriResponse rest(AriRequest request, String user);

        /**
         * An events WebSocket upgrade: returns the Jetty listener that serves it, or an {@link AriResponse} that
         * refuses it.
         */
        Object events(AriRequest upgrade, String user);

        /** How an authenticated REST request is to go wrong, or null (the default): it is answered. */
        default RestFault fault(AriRequest request) { return null; }
    }

    private final Map<String, String> users;
    private final List<String> readOnly;
    private final Duration keepAlive;
    private final Handler handler;
    private final String serverHeader;
    private final List<AriRequest> requests = java.util.Collections.synchronizedList(new ArrayList<>());
    private Server server;
    private ServerConnector connector;
    private int port;
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxOpen = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.Set<org.eclipse.jetty.io.EndPoint> endPoints = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * @param users     user name to password (ari.conf)
     * @param readOnly  users with {@code read_only = yes}: anything but GET is 403 {@code Write access denied}
     * @param keepAlive idle time after which a keep-alive HTTP connection is closed
     */
    public AriWireServer(int port, Map<String, String> users, List<String> readOnly, Duration keepAlive, String version, Handler handler) {
        this.port = port;
        this.users = Map.copyOf(users);
        this.readOnly = List.copyOf(readOnly);
        this.keepAlive = keepAlive;
        this.handler = handler;
        this.serverHeader = "Asterisk/" + version;
    }

    /** Starts listening (again, on the same port after {@link #stop()}). */
    public synchronized AriWireServer start() {
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("sim-ari-http");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server s = new Server(pool);
        s.setStopTimeout(500);
        // Asterisk takes any bytes in a path; Jetty would refuse %2F and friends (ambiguous URIs) before we see them
        org.eclipse.jetty.server.HttpConfiguration http = new org.eclipse.jetty.server.HttpConfiguration();
        http.setUriCompliance(org.eclipse.jetty.http.UriCompliance.UNSAFE);
        http.setSendServerVersion(false);
        ServerConnector c = new ServerConnector(s, new org.eclipse.jetty.server.HttpConnectionFactory(http));
        c.setHost("127.0.0.1");
        c.setPort(port);
        c.setIdleTimeout(keepAlive.toMillis());
        c.setReuseAddress(true);
        c.addEventListener(new org.eclipse.jetty.io.Connection.Listener() {
            @Override
            public void onOpened(org.eclipse.jetty.io.Connection connection) {
                maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                endPoints.add(connection.getEndPoint());
            }

            @Override
            public void onClosed(org.eclipse.jetty.io.Connection connection) {
                open.decrementAndGet();
                if (!connection.getEndPoint().isOpen()) endPoints.remove(connection.getEndPoint());
            }
        });
        s.addConnector(c);
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(s, context, container -> {
            container.setIdleTimeout(Duration.ofHours(1));
            container.setMaxTextMessageSize(16 << 20);
            container.setMaxFrameSize(16 << 20);
            container.addMapping("/ari/events", (req, resp, cb) -> {
                AriRequest r = toRequest(req, "");
                requests.add(r);
                String user = null;
                if (!users.isEmpty()) {
                    user = user(r);
                    if (user == null) {
                        unauthorized(resp, cb);
                        return null;
                    }
                }
                Object answer = handler.events(r, user);
                if (answer instanceof AriResponse refusal) {
                    write(resp, cb, refusal);
                    return null;
                }
                if (answer instanceof AcceptedSocket a) {
                    if (a.protocol() != null) resp.setAcceptedSubProtocol(a.protocol());
                    return a.listener();
                }
                return answer;
            });
        });
        ws.setHandler(new Rest());
        context.setHandler(ws);
        s.setHandler(context);
        try {
            s.start();
        } catch (Exception e) {
            throw new IllegalStateException("simulated Asterisk cannot listen on 127.0.0.1:" + port + ": " + e, e);
        }
        server = s;
        connector = c;
        port = c.getLocalPort();
        return this;
    }

    /** Stops listening: every connection closes; {@link #start()} listens again on the same port. */
    public synchronized void stop() {
        if (server == null) return;
        try {
            server.stop();
        } catch (Exception ignored) {
            // stopping anyway
        }
        server = null;
    }

    public synchronized boolean running() { return server != null; }

    public int port() { return port; }

    /**
     * Closes the TCP connection under every WebSocket at once, without a close frame: what a network failure looks
     * like to the peer (a WebSocket session's own disconnect does not always reach the socket right away).
     */
    public void dropWebSocketConnections() {
        for (org.eclipse.jetty.io.EndPoint ep : endPoints) {
            org.eclipse.jetty.io.Connection c = ep.getConnection();
            if (!ep.isOpen()) {
                endPoints.remove(ep);
            } else if (c != null && c.getClass().getSimpleName().contains("WebSocket")) {
                ep.close();
            }
        }
    }

    /** The most TCP connections (HTTP and WebSocket) that were open at once. */
    public int maxOpenConnections() { return maxOpen.get(); }

    /** Every HTTP request and events upgrade received, in order. */
    public List<AriRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    @Override
    public void close() { stop(); }

    /** The ari.conf user a request authenticates as, or null. */
    String user(AriRequest r) {
        String auth = r.headers().get("authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            String up;
            try {
                up = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
            int colon = up.indexOf(':');
            if (colon > 0 && up.substring(colon + 1).equals(users.get(up.substring(0, colon)))) return up.substring(0, colon);
            return null;
        }
        String key = r.param("api_key");
        if (key != null) {
            int colon = key.indexOf(':');
            if (colon > 0 && key.substring(colon + 1).equals(users.get(key.substring(0, colon)))) return key.substring(0, colon);
        }
        return null;
    }

    /** Asterisk's HTML error page (426, 400 for an upgrade without {@code app}). */
    String html(int status, String reason, String text) {
        return "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>" + status + " " + reason
                + "</title>\n</head><body>\n<h1>" + reason + "</h1>\n<p>" + text + "</p>\n<hr />\n<address>" + serverHeader
                + "</address>\n</body></html>\n";
    }

    /** A listener for an accepted upgrade, with the subprotocol to answer (null: none). */
    public record AcceptedSocket(Session.Listener listener, String protocol) {}

    /** Whether a user may do this request (read-only users: GET only). */
    boolean mayWrite(String user, String method) { return user == null || method.equals("GET") || !readOnly.contains(user); }

    static AriRequest toRequest(Request req, String body) {
        String raw = req.getHttpURI().getPath();
        String path = raw.startsWith("/ari/") ? raw.substring(5) : raw.startsWith("/") ? raw.substring(1) : raw;
        String query = req.getHttpURI().getQuery() == null ? "" : req.getHttpURI().getQuery();
        Map<String, String> headers = new LinkedHashMap<>();
        for (HttpField f : req.getHeaders()) headers.putIfAbsent(f.getName().toLowerCase(Locale.ROOT), f.getValue());
        List<Map.Entry<String, String>> params = AriRequest.parseQuery(query);
        String type = headers.getOrDefault("content-type", "");
        if (type.startsWith("application/x-www-form-urlencoded")) params.addAll(AriRequest.parseQuery(body));
        return new AriRequest(req.getMethod(), path, query, params, headers, body);
    }

    /** Asterisk's 401: {@code WWW-Authenticate} and {@code {"message":"Authentication required"}} (09c). */
    private void unauthorized(Response resp, Callback cb) {
        resp.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"Asterisk REST Interface\"");
        write(resp, cb, AriResponse.error(401, "Unauthorized", "Authentication required"));
    }

    private void write(Response resp, Callback cb, AriResponse r) {
        resp.setStatus(r.status());
        resp.getHeaders().put(HttpHeader.SERVER, serverHeader);
        resp.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache, no-store");
        r.headers().forEach((k, v) -> resp.getHeaders().put(k, v));
        if (!r.body().isEmpty() && !resp.getHeaders().contains(HttpHeader.CONTENT_TYPE)) {
            resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        }
        byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
        resp.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
        resp.write(true, ByteBuffer.wrap(b), cb);
    }

    /** REST under /ari/ (and everything else Asterisk's HTTP server would answer). */
    private final class Rest extends org.eclipse.jetty.server.Handler.Abstract {
        @Override
        public boolean handle(Request req, Response resp, Callback cb) throws Exception {
            String body = Content.Source.asString(req, StandardCharsets.UTF_8);
            AriRequest r = toRequest(req, body == null ? "" : body);
            if (!req.getHttpURI().getPath().startsWith("/ari/")) {
                write(resp, cb, AriResponse.error(404, "Not Found", "Not Found"));
                return true;
            }
            requests.add(r);
            String user = null;
            if (!users.isEmpty()) {
                user = user(r);
                if (user == null) {
                    unauthorized(resp, cb);
                    return true;
                }
                if (r.path().equals("events")) {
                    resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html");
                    write(resp, cb, new AriResponse(426, "Upgrade Required", html(426, "Upgrade Required", ""), Map.of()));
                    return true;
                }
                if (!mayWrite(user, r.method())) {
                    write(resp, cb, AriResponse.error(403, "Forbidden", "Write access denied"));
                    return true;
                }
            }
            RestFault fault = handler.fault(r);
            if (fault != null && fault.kind == RestFault.Kind.DROP) {
                req.getConnectionMetaData().getConnection().getEndPoint().close();   // no response: the peer sees the connection end
                cb.failed(new java.io.IOException("simulated fault: " + fault));
                return true;
            }
            if (fault != null && fault.kind == RestFault.Kind.ANSWER) {
                write(resp, cb, fault.answer);
                return true;
            }
            if (fault != null) Thread.sleep(fault.delay);   // LATE: then the real answer
            AriResponse answer;
            try {
                answer = handler.rest(r, user);
            } catch (RuntimeException e) {
                answer = AriResponse.error(500, "Internal Server Error", "simulator failed: " + e);
            }
            write(resp, cb, answer);
            return true;
        }
    }

}
