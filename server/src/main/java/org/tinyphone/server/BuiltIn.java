package org.tinyphone.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.tinyphone.server.clients.ClientSessions;
import org.tinyphone.server.clients.SocketIoClients;
import org.tinyphone.server.clients.TcpClientServer;
import org.tinyphone.server.clients.WebSocketClients;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.server.http.BrowserOrigins;
import org.tinyphone.server.http.SmsServer;
import org.tinyphone.server.http.StreamAppUpgrade;
import org.tinyphone.server.http.WebServer;
import org.tinyphone.server.sms.SmsWebhook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The parts every server has: the client listeners (TCP 12002 and HTTP + WebSocket 12003). */
final class BuiltIn {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger log = LoggerFactory.getLogger(BuiltIn.class);

    private BuiltIn() {}

    static List<ServerPart> parts() {
        return List.of(BuiltIn::startClients);
    }

    /**
     * Registers "http" first and "clients" second, so that on close (reverse order, after the ingresses have
     * hung up their calls) clients are told goodbye before the HTTP server stops.
     */
    private static void startClients(TinyphoneServer server) {
        TinyphoneConfig config = server.config();
        ClientSessions clientSessions = new ClientSessions(server.bridge(), server.access(), ClientSessions.Limits.of(config),
                "tinyphone " + Version.get());
        server.setClients(clientSessions);
        SmsWebhook sms = smsWebhook(server);
        if (config.http().enabled()) {
            SocketIoClients socketIo = new SocketIoClients(clientSessions, config.maxConnections("http"), config.maxPerAddress(),
                    config.handshakeTimeout());
            String dir = config.get("http.static-dir");
            BrowserOrigins origins = new BrowserOrigins(config.list("http.allowed-origins"));
            WebServer web = WebServer.start(config.http(), new WebSocketClients(clientSessions), config.clientMaxLine(),
                    server.metrics()::scrape, () -> health(server), dir.isEmpty() ? null : Path.of(dir),
                    origins, config.maxConnections("http"),
                    config.maxPerAddress(), config.handshakeTimeout(), sms, socketIo,
                    new StreamAppUpgrade(server.streams().inbound(), server.access(), origins));
            ListenerMeters.register(server.metrics(), "http", web.stats());
            server.register("http", web.port(), web); // closes the socket.io clients too
        }
        if (sms != null) {
            SmsServer smsPort = SmsServer.start(config.sms(), sms, config.maxConnections("sms"), config.maxPerAddress(),
                    config.handshakeTimeout());
            ListenerMeters.register(server.metrics(), "sms", smsPort.stats());
            server.register("sms", smsPort.port(), smsPort);
        }
        TcpClientServer tcp = config.clients().enabled() ? TcpClientServer.start(clientSessions, config.clients(),
                config.maxConnections("clients"), config.maxPerAddress(), config.handshakeTimeout()) : null;
        if (tcp != null) ListenerMeters.register(server.metrics(), "clients", tcp.stats());
        server.register("clients", tcp == null ? -1 : tcp.port(), () -> {
            if (tcp != null) tcp.stopAccepting();
            server.bridge().close(); // calls still in progress end now, so clients see their hangup before goodbye
            clientSessions.closeAll("server stopping");
            clientSessions.awaitNone(Duration.ofSeconds(3));
            if (tcp != null) tcp.close();
        });
    }

    /** The SMS webhook (12004 and /incoming on 12003), or null when sms.enabled is false. */
    private static SmsWebhook smsWebhook(TinyphoneServer server) {
        TinyphoneConfig config = server.config();
        if (!config.bool("sms.enabled")) return null;
        SmsWebhook.Settings settings = new SmsWebhook.Settings(config.get("sms.response"), config.get("sms.auth-token"),
                config.get("sms.url"), config.smsAllow(), config.integer("sms.max-per-minute"));
        if (settings.authToken().isEmpty() && !onlyThisMachine(config.get("sms.allow"))) {
            log.warn("sms.allow ({}) lets other hosts post text messages and sms.auth-token is not set: anyone who can "
                    + "reach the SMS webhook can show messages on every screen. Set sms.auth-token to Twilio's auth token "
                    + "(docs/security.md)", config.get("sms.allow"));
        }
        return new SmsWebhook(server.bridge(), settings);
    }

    private static boolean onlyThisMachine(String allow) {
        for (String a : allow.split(",")) {
            String t = a.trim();
            if (!t.isEmpty() && !t.equals("127.0.0.1") && !t.equals("::1") && !t.startsWith("127.")) return false;
        }
        return true;
    }

    static String health(TinyphoneServer server) {
        ObjectNode root = JSON.createObjectNode();
        root.put("status", "up");
        root.put("version", Version.get());
        root.put("uptime_s", Duration.between(server.started(), Instant.now()).toSeconds());
        root.put("calls_active", server.bridge().calls().size());
        ObjectNode clients = root.putObject("clients");
        ClientSessions clientSessions = server.clients();
        for (String d : List.of(ClientSessions.ORIGINAL, ClientSessions.TCP, ClientSessions.WEBSOCKET, ClientSessions.SOCKETIO)) {
            clients.put(d, clientSessions == null ? 0 : clientSessions.count(d));
        }
        ObjectNode listeners = root.putObject("listeners");
        for (TinyphoneServer.Registered r : server.listeners()) listeners.put(r.name(), r.port());
        return root.toString();
    }
}
