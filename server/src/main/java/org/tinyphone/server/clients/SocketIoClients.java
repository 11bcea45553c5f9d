package org.tinyphone.server.clients;

import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.EngineIoServerOptions;
import io.socket.engineio.server.EngineIoSocket;
import io.socket.socketio.server.SocketIoNamespace;
import io.socket.socketio.server.SocketIoServer;
import io.socket.socketio.server.SocketIoSocket;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.AddressLimit;
import org.tinyphone.net.LogText;
import org.tinyphone.server.access.Peer;

/**
 * The original hub's web clients: socket.io on the HTTP port, on the socket.io server for the JVM
 * (io.socket:socket.io-server and engine.io-server; Engine.IO protocols 3 and 4, so socket.io clients 1.x/2.x and
 * 3.x/4.x alike, polling and WebSocket). Each client that connects becomes a {@link SocketIoSession}: it subscribes
 * with {@code setup} and gets the original events ({@code new_call}, {@code keypress}, {@code audio_level},
 * {@code hangup}, {@code sms}), with the limits and overload rules of every client.
 *
 * <p>Staying up: at most {@code maxSessions} socket.io clients at once (a polling client holds no connection, so the
 * HTTP port's connection cap does not count it), at most {@code maxPerAddress} from one other host; a client must send
 * {@code setup} within the handshake deadline. The HTTP side (Origin checks, body limits, the script) is
 * {@code http.SocketIoServlet}'s.
 */
public final class SocketIoClients implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SocketIoClients.class);
    /** Engine.IO's ping interval and timeout, as socket.io's own server has them. */
    static final long PING_INTERVAL_MS = 25_000, PING_TIMEOUT_MS = 20_000;

    private final ClientSessions clientSessions;
    private final EngineIoServer engine;
    private final ScheduledExecutorService timer;
    private final int maxSessions;
    private final java.time.Duration setupTimeout;
    private final AddressLimit perAddress;
    private final AtomicInteger sessions = new AtomicInteger();
    /** One Engine.IO connection: where it came from (at its handshake) and what waits for it. */
    private record Connection(Peer peer, SocketIoBacklog backlog) {}

    private final Map<EngineIoSocket, Connection> connections = new ConcurrentHashMap<>();
    private final Map<String, Connection> bySid = new ConcurrentHashMap<>();
    /** The peer of the handshake being handled on this thread (the library tells of a new connection from inside it). */
    private final ThreadLocal<Peer> handshaking = new ThreadLocal<>();
    /** The WebSocket being opened on this thread, if the handshake is one. */
    private final ThreadLocal<SocketIoWebSocket> opening = new ThreadLocal<>();

    /**
     * @param maxSessions   socket.io clients at once (http.max-connections)
     * @param maxPerAddress socket.io clients one other host may have at once (listeners.max-per-address)
     * @param setupTimeout  how long a connected client may take to send {@code setup} (listeners.handshake-timeout)
     */
    public SocketIoClients(ClientSessions clientSessions, int maxSessions, int maxPerAddress, java.time.Duration setupTimeout) {
        this.clientSessions = clientSessions;
        this.setupTimeout = setupTimeout;
        this.maxSessions = maxSessions;
        this.perAddress = new AddressLimit(maxPerAddress);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(2,
                Thread.ofPlatform().daemon().name("tinyphone-socketio-timer-", 0).factory());
        t.setRemoveOnCancelPolicy(true); // a ping timeout is set and cancelled per packet
        this.timer = t;
        EngineIoServerOptions options = EngineIoServerOptions.newFromDefault();
        options.setPingInterval(PING_INTERVAL_MS);
        options.setPingTimeout(PING_TIMEOUT_MS);
        options.setCorsHandlingDisabled(true); // the servlet answers CORS, for the origins BrowserOrigins lets in
        options.setAllowSyncPolling(false);
        options.setScheduledExecutorService(timer);
        this.engine = new EngineIoServer(options);
        // before the socket.io server's own listener: with Engine.IO 3 it connects the client from inside its listener
        engine.on("connection", args -> opened((EngineIoSocket) args[0]));
        SocketIoServer io = new SocketIoServer(engine);
        SocketIoNamespace root = io.namespace("/");
        root.on("connection", args -> connected((SocketIoSocket) args[0]));
    }

    /** Why a new socket.io client may not connect now (over a cap), or null. */
    public String refusal(Peer peer) {
        if (sessions.get() >= maxSessions) {
            return maxSessions + " socket.io clients are connected (http.max-connections)";
        }
        if (peer.address() != null && perAddress.open(peer.address()) >= perAddress.max()) {
            return perAddress.max() + " socket.io clients are connected from that address (listeners.max-per-address)";
        }
        return null;
    }

    /** A polling request (the servlet has checked its origin, size and query); the handshake's peer is {@code peer}. */
    public void handlePolling(HttpServletRequest request, HttpServletResponse response, Peer peer) throws IOException {
        handshaking.set(peer);
        try {
            engine.handleRequest(request, response);
        } finally {
            handshaking.remove();
        }
    }

    /**
     * The endpoint for a WebSocket upgrade that was checked (origin, caps): a new connection, or the upgrade of a
     * polling one ({@code sid} in the query).
     */
    public SocketIoWebSocket newWebSocket(Map<String, String> query, Map<String, java.util.List<String>> headers, Peer peer) {
        return new SocketIoWebSocket(query, headers, peer, this::webSocketOpened);
    }

    private void webSocketOpened(SocketIoWebSocket ws) {
        String sid = ws.getQuery().get("sid");
        Connection upgraded = sid == null ? null : bySid.get(sid);
        if (upgraded != null) ws.backlog(upgraded.backlog());
        handshaking.set(ws.peer());
        opening.set(ws);
        try {
            engine.handleWebSocket(ws);
        } finally {
            handshaking.remove();
            opening.remove();
        }
    }

    /** A refusal before a client became a session (a foreign origin, a cap), for the log and metrics. */
    public void refused(String remote, String why) {
        clientSessions.logRefusal(remote, "socket.io", why);
    }

    private void opened(EngineIoSocket socket) {
        Peer peer = handshaking.get();
        if (peer == null) peer = new Peer(null, false); // not from our servlet: count it as another host
        if (!perAddress.tryTake(peer.address())) {
            socket.close();
            return;
        }
        sessions.incrementAndGet();
        Connection c = new Connection(peer, new SocketIoBacklog());
        connections.put(socket, c);
        bySid.put(socket.getId(), c);
        SocketIoWebSocket ws = opening.get();
        if (ws != null) ws.backlog(c.backlog());
        socket.on("flush", args -> c.backlog().flushed(messages(args[0])));
        Peer p = peer;
        socket.once("close", args -> {
            if (connections.remove(socket) != null) {
                bySid.remove(socket.getId());
                c.backlog().close();
                sessions.decrementAndGet();
                perAddress.release(p.address());
            }
        });
    }

    /** How many of the packets Engine.IO flushed are messages (ours; pings and the like are not counted). */
    private static int messages(Object packets) {
        int n = 0;
        if (packets instanceof java.util.Collection<?> all) {
            for (Object o : all) {
                if (o instanceof io.socket.engineio.server.parser.Packet<?> p
                        && io.socket.engineio.server.parser.Packet.MESSAGE.equals(p.type)) n++;
            }
        }
        return n;
    }

    private void connected(SocketIoSocket socket) {
        Connection c = connections.get(socket.getClient().getConnection());
        if (c == null) { // closed meanwhile
            socket.disconnect(true);
            return;
        }
        SocketIoSession session = new SocketIoSession(clientSessions, socket, c.peer(), c.backlog());
        session.start();
        timer.schedule(() -> session.setupDeadline(setupTimeout), setupTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** socket.io clients connected now. */
    public int count() { return sessions.get(); }

    @Override
    public void close() {
        engine.shutdown();
        timer.shutdownNow();
    }

    static String remote(Peer peer) {
        InetAddress a = peer.address();
        return a == null ? "unknown" : LogText.escape(a.getHostAddress());
    }
}
