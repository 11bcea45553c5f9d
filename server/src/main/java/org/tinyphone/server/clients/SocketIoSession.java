package org.tinyphone.server.clients;

import io.socket.socketio.server.SocketIoSocket;
import io.socket.socketio.server.parser.Packet;
import io.socket.socketio.server.parser.Parser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.access.Peer;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.Numbers;
import org.tinyphone.server.bridge.Subscription;

/**
 * A socket.io client of the original hub's web dialect: it emits {@code setup} with {@code {id, phoneNumber}} and then
 * gets, for each call to that number, the socket.io events {@code new_call}, {@code keypress}, {@code audio_level},
 * {@code hangup} and {@code sms}, each with the message object {@code {id, event, value}} byte for byte as the
 * original TCP dialect has it ({@link OriginalCodec}). Receive only; no snapshot. A later {@code setup} adds a number
 * (the hub joined the socket to one room per {@code setup}), up to {@value #MAX_NUMBERS}.
 *
 * <p>Access as for the original TCP dialect: the {@code id} may be a token ({@code AccessPolicy#canWatchWithClientId}).
 * {@code audio_level} is volatile, as the hub sent it: dropped while anything sent to the client is still waiting
 * to go out. Everything else follows the outbox's rules (coalescing, overload disconnect).
 */
final class SocketIoSession extends ClientSession {
    private static final Logger log = LoggerFactory.getLogger(SocketIoSession.class);
    /** Numbers one socket.io client may watch (one per setup). */
    static final int MAX_NUMBERS = 16;
    private static final EncodingCache EVENTS = new EncodingCache(4096, SocketIoSession::eventArray, "");
    private static final LogLimiter MALFORMED = new LogLimiter(5, Duration.ofSeconds(10));

    private final SocketIoSocket socket;
    private final ReentrantLock subLock = new ReentrantLock();
    private final List<Subscription> subscriptions = new ArrayList<>(); // guarded by subLock
    private volatile boolean setUp;

    SocketIoSession(ClientSessions clientSessions, SocketIoSocket socket, Peer peer, SocketIoBacklog backlog) {
        super(clientSessions, new SioTransport(socket, backlog, SocketIoClients.remote(peer)), ClientSessions.SOCKETIO, peer);
        this.socket = socket;
        socket.on("setup", this::setup);
        socket.on("disconnect", args -> finish("client disconnected (" + (args.length > 0 ? args[0] : "") + ")"));
    }

    /** The socket.io event's arguments: {@code ["new_call",{"id":…,"event":"new_call","value":…}]}. */
    static String eventArray(CallEvent e) {
        String message = OriginalCodec.encode(e);
        return "[\"" + OriginalCodec.eventName(e) + "\"," + message + "]";
    }

    /** {@code setup} with {@code {id, phoneNumber}}: watch that number. */
    private void setup(Object... args) {
        if (args.length < 1 || !(args[0] instanceof JSONObject info)) {
            malformed("setup without an {id, phoneNumber} object");
            return;
        }
        Object rawNumber = info.opt("phoneNumber");
        Object rawId = info.opt("id");
        String number = rawNumber == null || rawNumber == JSONObject.NULL ? "" : Numbers.normalize(String.valueOf(rawNumber));
        String clientId = rawId == null || rawId == JSONObject.NULL ? "" : String.valueOf(rawId);
        if (Numbers.problem(number) != null || Numbers.normalize("*").equals(number)) {
            malformed("setup with phoneNumber " + LogText.escape(rawNumber));
            return;
        }
        if (!clientSessions.access().canWatchWithClientId(number, clientId, peer())) {
            clientSessions.logRefusal(this, "setup for " + number, clientSessions.access().hasOwnToken(number)
                    ? "the number needs its token (give it as the id)"
                    : clientSessions.access().grant(number, null, peer().local()).why() + " (give it as the id)");
            return;
        }
        subLock.lock();
        try {
            for (Subscription s : subscriptions) if (s.number().equals(number)) return;
            if (subscriptions.size() >= MAX_NUMBERS) {
                clientSessions.logRefusal(this, "setup for " + number, "a socket.io client may watch " + MAX_NUMBERS + " numbers");
                return;
            }
            if (!clientSessions.takeSubscription()) {
                clientSessions.logRefusal(this, "setup for " + number, "all clients together watch " + ClientSessions.MAX_SUBSCRIPTIONS + " numbers");
                return;
            }
            subscriptions.add(clientSessions.bridge().subscribe(number, this));
        } finally {
            subLock.unlock();
        }
        setUp = true;
        if (finished()) unsubscribeAll();
        String who = clientSessions.access().hasOwnToken(number) || clientSessions.access().isToken(clientId) ? "(token)" : LogText.escape(clientId);
        log.info("{}: setup {} as {}", this, LogText.escape(number), who);
    }

    /** Called once the handshake deadline has passed: a client that never sent a usable setup is closed. */
    void setupDeadline(Duration deadline) {
        if (!setUp && !finished()) {
            clientSessions.logRefusal(this, "socket.io", "no setup within " + deadline.toMillis() + " ms (listeners.handshake-timeout)");
            finish("no setup within " + deadline.toMillis() + " ms");
        }
    }

    private void malformed(String what) {
        MALFORMED.info(log, "socket.io malformed", "{}: malformed message from remote client: {}", this, what);
    }

    @Override
    protected byte[] render(Object message) {
        return EVENTS.encode((CallEvent) message);
    }

    @Override
    protected void unsubscribeAll() {
        List<Subscription> all;
        subLock.lock();
        try {
            all = List.copyOf(subscriptions);
            subscriptions.clear();
        } finally {
            subLock.unlock();
        }
        for (Subscription s : all) {
            s.close();
            clientSessions.releaseSubscription();
        }
    }

    /**
     * The socket.io connection as a session transport: each message is one socket.io EVENT packet, encoded and framed
     * by the library (Engine.IO 3 or 4, polling or WebSocket). Waits while {@value #PENDING} packets wait below it.
     */
    private static final class SioTransport implements Transport {
        static final int PENDING = 64;
        private final SocketIoSocket socket;
        private final SocketIoBacklog backlog;
        private final String remote;

        SioTransport(SocketIoSocket socket, SocketIoBacklog backlog, String remote) {
            this.socket = socket;
            this.backlog = backlog;
            this.remote = remote;
        }

        @Override
        public void write(byte[] message) throws java.io.IOException {
            try {
                if (!backlog.awaitBelow(PENDING)) throw new java.io.IOException("socket.io connection closed");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for the client");
            }
            send(message);
        }

        @Override
        public boolean writeVolatile(byte[] message) throws java.io.IOException {
            if (backlog.pending() > 0) return false; // socket.io's volatile: not while anything waits
            send(message);
            return true;
        }

        private void send(byte[] message) throws java.io.IOException {
            if (!socket.isConnected()) throw new java.io.IOException("socket.io client disconnected");
            Packet<String> packet = new Packet<>(Parser.EVENT, new String(message, StandardCharsets.UTF_8));
            packet.nsp = "/";
            backlog.queued();
            socket.getClient().sendPacket(packet);
        }

        @Override
        public void flush() {
            // Engine.IO writes as soon as the client's transport can take it
        }

        @Override
        public void drain() throws java.io.IOException {
            try {
                backlog.awaitEmpty(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close(String reason) {
            backlog.close();
            if (socket.isConnected()) socket.disconnect(true);
        }

        @Override
        public String remote() { return remote; }
    }
}
