package org.tinyphone.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;
import org.tinyphone.net.AddressLimit;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.jetty.GuardedConnector;
import org.tinyphone.net.jetty.JettyStart;
import org.tinyphone.net.jetty.RequestDeadline;
import org.tinyphone.server.ServerStartException;
import org.tinyphone.server.access.Peer;
import org.tinyphone.server.clients.WebSocketClients;
import org.tinyphone.server.config.ListenerConfig;
import org.tinyphone.server.sms.SmsWebhook;
import org.tinyphone.server.stream.InboundApps;
import org.tinyphone.server.clients.SocketIoClients;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/**
 * The HTTP side (12003), on Jetty 12 with virtual threads: the WebSocket at {@code /ws}, media stream apps connecting
 * in at {@code /streams/NUMBER}, {@code /metrics}
 * (Prometheus text), {@code /health} (JSON), and static files (the page and /tinyphone.js) from the classpath
 * folder {@code web/} or from a directory.
 *
 * <p>Staying up: at most {@code maxConnections} connections (then Jetty stops accepting until one closes); a
 * connection must send a complete request's headers within the request deadline ({@link RequestDeadline}, so a
 * slowloris client goes within seconds); idle connections close after {@value #IDLE_TIMEOUT_MS} ms; failed accepts
 * are retried with a backoff ({@link GuardedConnector}). Every response carries nosniff, frame and referrer headers
 * and a Content-Security-Policy ({@link SecurityHeaders}); the Server header does not name Jetty's version.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);
    /** Largest WebSocket text frame accepted at all; the native limit (clients.max-line) is checked below it. */
    private static final long MAX_WS_MESSAGE = 1 << 20;
    /** An HTTP connection with nothing going on is closed after this long (WebSockets have their own timeout). */
    static final long IDLE_TIMEOUT_MS = 30_000;

    private final Server server;
    private final GuardedConnector connector;
    private final ListenerStats stats;
    private final SocketIoClients socketIo; // null: none

    private WebServer(Server server, GuardedConnector connector, ListenerStats stats, SocketIoClients socketIo) {
        this.server = server;
        this.connector = connector;
        this.stats = stats;
        this.socketIo = socketIo;
    }

    /**
     * Starts the server.
     *
     * @param metrics   the Prometheus text for /metrics
     * @param health    the JSON for /health
     * @param staticDir a directory to serve instead of the built-in page, or null
     * @param origins   which pages may open the WebSocket (their Origin header)
     * @param maxConnections connections open at once (http.max-connections)
     * @param requestTimeout how long a connection may take to send a request's headers (listeners.handshake-timeout)
     * @param sms       the SMS webhook served at /incoming too, or null
     * @param socketIo  the socket.io clients served at /socket.io/, or null
     * @param streamApps media stream apps connecting in at /streams/NUMBER ({@link StreamAppUpgrade}), or null
     */
    public static WebServer start(ListenerConfig listener, WebSocketClients clients, int maxLine,
                                  Supplier<String> metrics, Supplier<String> health, Path staticDir,
                                  BrowserOrigins origins, int maxConnections, int maxPerAddress,
                                  Duration requestTimeout, SmsWebhook sms, SocketIoClients socketIo,
                                  StreamAppUpgrade streamApps) {
        String page = staticDir == null ? builtInPage() : null;
        Guarded g = guarded("http", listener, staticDir == null ? SecurityHeaders.forBuiltInPage(page)
                : SecurityHeaders.forStaticDir(), maxConnections, maxPerAddress, requestTimeout);
        Server server = g.server();
        GuardedConnector connector = g.connector();
        ListenerStats stats = g.stats();

        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, context, container -> {
            container.setMaxTextMessageSize(Math.max(MAX_WS_MESSAGE, maxLine * 2L));
            container.setIdleTimeout(Duration.ofMinutes(5)); // the writer pings every 30 s when idle
            container.addMapping("/ws", (req, resp, cb) -> {
                HttpFields headers = req.getHeaders();
                String refused = origins.refusal(headers.get(HttpHeader.ORIGIN), headers.get(HttpHeader.HOST), req.isSecure());
                if (refused != null) {
                    clients.refused(String.valueOf(req.getConnectionMetaData().getRemoteSocketAddress()), refused);
                    Response.writeError(req, resp, cb, 403, refused);
                    return null;
                }
                return clients.newEndpoint(LivePage.peer(req));
            });
            if (streamApps != null) container.addMapping(InboundApps.PATH + "*", streamApps);
        });
        Handler.Sequence routes = new Handler.Sequence();
        routes.addHandler(new Api(metrics, health));
        if (sms != null) routes.addHandler(new SmsHandler(sms, g.deadline()));
        if (page != null) {   // an operator's own page (http.static-dir) is served as it is
            routes.addHandler(new LivePage(page, clients.clientSessions(), origins));
        }
        Resource base = staticBase(server, staticDir);
        if (base != null) {
            ResourceHandler files = new ResourceHandler();
            files.setBaseResource(base);
            files.setDirAllowed(false);
            files.setWelcomeFiles(List.of("index.html"));
            files.setCacheControl("no-cache");
            routes.addHandler(files);
        } else {
            log.warn("no web page found (classpath web/ is missing): / will answer 404");
        }
        ws.setHandler(routes);
        context.setHandler(ws);
        if (socketIo == null) {
            server.setHandler(context);
        } else {
            server.setHandler(new ContextHandlerCollection(socketIoContext(server, socketIo, origins, maxLine), context));
        }
        startOrExplain(server, listener);
        log.info("HTTP + WebSocket on {}", LogText.address(listener.bind(), connector.getLocalPort()));
        return new WebServer(server, connector, stats, socketIo);
    }

    /**
     * socket.io at /socket.io/ on Jetty's servlet environment (the library's integration point is a servlet request):
     * the script and polling through {@link SocketIoServlet}, WebSocket upgrades on Jetty's WebSocket, checked like
     * /ws (the page's Origin) and against the socket.io client caps, then handed to the library.
     */
    private static ServletContextHandler socketIoContext(Server server, SocketIoClients clients, BrowserOrigins origins,
                                                         int maxLine) {
        ServletContextHandler context = new ServletContextHandler("/socket.io");
        ServletHolder holder = new ServletHolder("socket.io", new SocketIoServlet(clients, origins, maxLine));
        holder.setAsyncSupported(true); // Engine.IO holds a poll open until it has something to send
        context.addServlet(holder, "/*");
        WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, context, container -> {
            container.setMaxTextMessageSize(maxLine);
            container.setMaxBinaryMessageSize(1024);
            container.setIdleTimeout(Duration.ofMinutes(2)); // Engine.IO pings every 25 s
            container.addMapping("/*", (req, resp, cb) -> {
                HttpFields headers = req.getHeaders();
                String remote = String.valueOf(req.getConnectionMetaData().getRemoteSocketAddress());
                String refused = origins.refusal(headers.get(HttpHeader.ORIGIN), headers.get(HttpHeader.HOST), req.isSecure());
                Peer who = LivePage.peer(req);
                java.util.Map<String, String> query = SocketIoServlet.query(req.getHttpURI().getQuery());
                if (refused == null && (query == null || !"websocket".equals(query.get("transport")))) {
                    refused = "not an Engine.IO WebSocket (EIO=3 or 4, transport=websocket)";
                    Response.writeError(req, resp, cb, 400, refused);
                    return null;
                }
                if (refused == null && query.get("sid") == null) refused = clients.refusal(who);
                if (refused != null) {
                    clients.refused(remote, refused);
                    Response.writeError(req, resp, cb, 403, refused);
                    return null;
                }
                java.util.Map<String, java.util.List<String>> copy = new java.util.HashMap<>();
                for (org.eclipse.jetty.http.HttpField f : headers) {
                    copy.computeIfAbsent(f.getName(), n -> new java.util.ArrayList<>()).add(f.getValue());
                }
                return clients.newWebSocket(query, copy, who);
            });
        });
        context.insertHandler(upgrades);
        return context;
    }

    /** A Jetty server with one guarded connector, not started yet; {@code deadline} also serves handlers that read a body. */
    record Guarded(Server server, GuardedConnector connector, ListenerStats stats, RequestDeadline deadline) {}

    /**
     * A Jetty server on virtual threads whose one connector has the guards of every listener: the connection cap,
     * one other host's share of it, the request-header deadline, accept errors retried; every response carries the
     * security headers; the Server header names no version.
     *
     * @param name the listener's name in log lines and config keys ("http", "sms")
     */
    static Guarded guarded(String name, ListenerConfig listener, SecurityHeaders headers, int maxConnections,
                           int maxPerAddress, Duration requestTimeout) {
        QueuedThreadPool pool = new QueuedThreadPool(32, 4);
        pool.setName("tinyphone-" + name);
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server server = new Server(pool);
        server.setStopTimeout(2000);
        ListenerStats stats = new ListenerStats();
        LogLimiter limiter = new LogLimiter(5, Duration.ofSeconds(10));
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.addCustomizer(headers);
        HttpConnectionFactory http1 = new HttpConnectionFactory(http);
        RequestDeadline deadline = new RequestDeadline(name, log, requestTimeout, stats, limiter);
        http1.addEventListener(deadline); // HTTP/1 connections only: an upgraded WebSocket is not watched
        GuardedConnector connector = new GuardedConnector(server, name, log, stats, limiter, new AddressLimit(maxPerAddress),
                null, http1);
        connector.setHost(listener.bind());
        connector.setPort(listener.port());
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        server.addConnector(connector);
        server.addBean(new GuardedConnector.Cap(maxConnections, connector, name + ".max-connections"));
        server.addBean(deadline);
        return new Guarded(server, connector, stats, deadline);
    }

    /** Starts a server built by {@link #guarded}; a port that cannot be bound is a {@link ServerStartException}. */
    static void startOrExplain(Server server, ListenerConfig listener) {
        try {
            JettyStart.startOrStop(server);
        } catch (IOException e) {
            throw ServerStartException.cannotListen(listener, e);
        }
    }

    /** The built-in page's HTML (for the hash of its inline script), or null when it is missing. */
    private static String builtInPage() {
        try (InputStream in = WebServer.class.getClassLoader().getResourceAsStream("web/index.html")) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ServerStartException("cannot read the built-in page web/index.html: " + e.getMessage(), e);
        }
    }

    private static Resource staticBase(Server server, Path staticDir) {
        ResourceFactory factory = ResourceFactory.of(server);
        if (staticDir != null) {
            if (!Files.isDirectory(staticDir)) {
                throw new ServerStartException("http.static-dir " + staticDir + " is not a directory", null);
            }
            return factory.newResource(staticDir);
        }
        return factory.newClassLoaderResource("web/");
    }

    public int port() { return connector.getLocalPort(); }

    /**
     * The listener's counters: connections accepted and open, accept errors, times the cap stopped accepting
     * ("refused by cap"), connections closed for missing the request deadline.
     */
    public ListenerStats stats() { return stats; }

    @Override
    public void close() throws Exception {
        try {
            server.stop();
        } finally {
            if (socketIo != null) socketIo.close();
        }
    }

    /** /metrics and /health. */
    private static final class Api extends Handler.Abstract.NonBlocking {
        private final Supplier<String> metrics;
        private final Supplier<String> health;

        Api(Supplier<String> metrics, Supplier<String> health) {
            this.metrics = metrics;
            this.health = health;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            String body;
            String type;
            switch (path) {
                case "/metrics" -> {
                    body = metrics.get();
                    type = "text/plain; version=0.0.4; charset=utf-8";
                }
                case "/health" -> {
                    body = health.get();
                    type = "application/json";
                }
                default -> {
                    return false;
                }
            }
            if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
                Response.writeError(request, response, callback, 405);
                return true;
            }
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            Content.Sink.write(response, true, "HEAD".equals(request.getMethod()) ? "" : body, callback);
            return true;
        }
    }
}
