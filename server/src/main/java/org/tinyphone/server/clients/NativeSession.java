package org.tinyphone.server.clients;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;
import org.tinyphone.server.access.AccessPolicy;
import org.tinyphone.server.access.Peer;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallState;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.server.bridge.Subscription;

/**
 * A client of the native dialect (WebSocket, or JSON lines over TCP): subscribes to any number of numbers,
 * gets a snapshot on each subscribe, then events; sends commands to calls it watches, and may listen to their audio
 * ({@link AudioListens}). A wrong message gets an {@code error} reply and the connection stays up.
 */
final class NativeSession extends ClientSession {
    private static final Logger log = LoggerFactory.getLogger(NativeSession.class);
    private static final EncodingCache EVENTS = new EncodingCache(4096, NativeCodec::event, "");
    private static final EncodingCache EVENT_LINES = new EncodingCache(4096, NativeCodec::event, "\n");
    /** Numbers one client may watch at once. */
    static final int MAX_SUBSCRIPTIONS = 1000;

    /** A snapshot queued under the bridge's lock, rendered by the writer. */
    private record Snapshot(JsonNode id, String number, AccessPolicy.Level access, List<CallState> calls) {}

    private final boolean lineFramed;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    /** What the client may do on each number it watches (from the token it subscribed with). */
    private final Map<String, AccessPolicy.Grant> grants = new ConcurrentHashMap<>();
    private final AtomicInteger pendingCommands = new AtomicInteger();
    private final AudioListens listens;
    private JsonNode subscribingId; // set by the reader thread around bridge.subscribe
    private AccessPolicy.Level subscribingLevel;

    /**
     * @param lineFramed true over TCP (each message ends with a newline), false over WebSocket
     * @param peer       where the client connects from
     */
    NativeSession(ClientSessions clientSessions, Transport transport, String dialect, boolean lineFramed, Peer peer) {
        super(clientSessions, transport, dialect, peer);
        this.lineFramed = lineFramed;
        this.listens = new AudioListens(this, clientSessions);
    }

    @Override
    void start() {
        super.start();
        send(NativeCodec.hello(clientSessions.serverName()));
    }

    /**
     * One message from the client (called by one reader at a time). Waits first while the client has not taken
     * the replies to its earlier requests.
     */
    void handleText(String text) {
        if (!readyForRequest()) return;
        if (text.length() > clientSessions.limits().maxLine()) {
            send(NativeCodec.error(null, "line_too_long", "message longer than " + clientSessions.limits().maxLine() + " bytes ignored"));
            return;
        }
        if (text.isBlank()) return;
        ClientMessage message;
        try {
            message = NativeCodec.decode(text);
        } catch (ProtocolException e) {
            send(NativeCodec.error(e.id(), e.code(), e.getMessage()));
            return;
        }
        switch (message) {
            case ClientMessage.Subscribe s -> subscribe(s);
            case ClientMessage.Unsubscribe u -> unsubscribe(u);
            case ClientMessage.Command c -> command(c);
            case ClientMessage.Listen l -> listen(l);
            case ClientMessage.StopListen s -> stopListen(s);
            case ClientMessage.Ping p -> send(NativeCodec.pong(p.id()));
        }
    }

    /** A message that was too long to read (TCP). */
    void lineTooLong() {
        send(NativeCodec.error(null, "line_too_long", "message longer than " + clientSessions.limits().maxLine() + " bytes ignored"));
    }

    private void subscribe(ClientMessage.Subscribe s) {
        Bridge bridge = clientSessions.bridge();
        AccessPolicy.Grant grant = clientSessions.access().grant(s.number(), s.token(), peer());
        if (!grant.allows(AccessPolicy.Level.WATCH)) {
            clientSessions.logRefusal(this, "subscribe to " + s.number(), grant.why());
            send(NativeCodec.error(s.id(), "forbidden", grant.why()));
            return;
        }
        if (subscriptions.containsKey(s.number())) {
            grants.put(s.number(), grant);
            listens.end(l -> !commandGrant(l.number).allows(AccessPolicy.Level.FULL), "not allowed any more");
            send(new Snapshot(s.id(), s.number(), grant.level(), bridge.snapshot(s.number())));
            return;
        }
        if (subscriptions.size() >= MAX_SUBSCRIPTIONS) {
            send(NativeCodec.error(s.id(), "too_many_subscriptions",
                    "a client may watch at most " + MAX_SUBSCRIPTIONS + " numbers; subscribe to \"*\" to watch all"));
            return;
        }
        if (!clientSessions.takeSubscription()) {
            send(NativeCodec.error(s.id(), "too_many_subscriptions", "the server's clients watch "
                    + ClientSessions.MAX_SUBSCRIPTIONS + " numbers already; subscribe to \"*\" to watch all"));
            return;
        }
        grants.put(s.number(), grant);
        subscribingId = s.id();
        subscribingLevel = grant.level();
        try {
            subscriptions.put(s.number(), bridge.subscribe(s.number(), this));
        } finally {
            subscribingId = null;
        }
        if (finished()) unsubscribeAll();
    }

    @Override
    public void onSnapshot(String number, List<CallState> calls) {
        send(new Snapshot(subscribingId, number, subscribingLevel, calls));
    }

    /** A call's hangup ends this client's listen to it first: its {@code audio_end} comes before the hangup. */
    @Override
    public void onEvent(CallEvent event) {
        if (event instanceof CallEvent.Hangup h) {
            AudioListens.Listen l = listens.of(h.callId());
            if (l != null) l.end("hangup");
        }
        super.onEvent(event);
    }

    private void unsubscribe(ClientMessage.Unsubscribe u) {
        Subscription sub = subscriptions.remove(u.number());
        grants.remove(u.number());
        if (sub == null) {
            send(NativeCodec.error(u.id(), "not_subscribed", "not subscribed to " + u.number()));
            return;
        }
        sub.close();
        clientSessions.releaseSubscription();
        listens.end(l -> !subscriptions.containsKey(l.number) && !subscriptions.containsKey(Bridge.ALL_NUMBERS), "unsubscribed");
        send(NativeCodec.unsubscribed(u.id(), u.number()));
    }

    private void command(ClientMessage.Command c) {
        Call call = commandable(c.id(), c.call(), c.command().kind());
        if (call == null) return;
        String refused = clientSessions.bridge().talkback().refusal(c.command());
        if (refused != null) {
            clientSessions.logRefusal(this, c.command().kind() + " on call " + call.id(), refused);
            send(NativeCodec.error(c.id(), "bad_command", c.command().kind() + ": " + refused));
            return;
        }
        submit(c.id(), call, c.command(), r -> { });
    }

    /**
     * {@code listen}: the call's audio to this client, with the same rights as a command (a caller's voice is no less
     * than commanding the call). Frames may come before the result.
     */
    private void listen(ClientMessage.Listen m) {
        Call call = commandable(m.id(), m.call(), "listen");
        if (call == null) return;
        AudioListens.Listen listen = listens.open(call.id(), call.number(), m.format());
        if (listen == null) {
            send(NativeCodec.result(m.id(), call.id(), CommandResult.failed("listen: " + listens.refusal(call.id()))));
            return;
        }
        submit(m.id(), call, new CallCommand.Listen(m.format(), listen), r -> {
            if (!r.ok()) listen.finish(null); // never started: nothing to end
        });
    }

    /** {@code stop_listen}: this client's own listen ends ({@code audio_end}, then the result). */
    private void stopListen(ClientMessage.StopListen m) {
        AudioListens.Listen listen = listens.of(m.call());
        if (listen == null) {
            send(NativeCodec.result(m.id(), m.call(), CommandResult.failed("stop_listen: not listening to call " + m.call())));
            return;
        }
        listen.end("stopped");
        send(NativeCodec.result(m.id(), m.call(), CommandResult.ok(listen.format.wireName())));
    }

    /**
     * The call a command names, when the client may command it (it exists, its number is watched, with full access);
     * else null, and the client has been told why (refusals logged).
     */
    private Call commandable(JsonNode id, String callId, String kind) {
        Optional<Call> found = clientSessions.bridge().find(callId);
        if (found.isEmpty()) {
            send(NativeCodec.error(id, "no_such_call", "no call in progress with id " + callId));
            return null;
        }
        Call call = found.get();
        if (!subscriptions.containsKey(call.number()) && !subscriptions.containsKey(Bridge.ALL_NUMBERS)) {
            send(NativeCodec.error(id, "not_subscribed", "subscribe to " + call.number() + " before sending commands to its calls"));
            return null;
        }
        AccessPolicy.Grant grant = commandGrant(call.number());
        if (!grant.allows(AccessPolicy.Level.FULL)) {
            clientSessions.logRefusal(this, kind + " on call " + call.id(), grant.why());
            send(NativeCodec.error(id, "forbidden", grant.why()));
            return null;
        }
        return call;
    }

    /** Runs a command on the call (at most clients.max-pending-commands waiting); {@code after} sees the result first. */
    private void submit(JsonNode id, Call call, CallCommand command, java.util.function.Consumer<CommandResult> after) {
        if (pendingCommands.incrementAndGet() > clientSessions.limits().maxPendingCommands()) {
            pendingCommands.decrementAndGet();
            send(NativeCodec.error(id, "too_many_commands",
                    "more than " + clientSessions.limits().maxPendingCommands() + " commands waiting; wait for their results"));
            if (command instanceof CallCommand.Listen l && l.sink() instanceof AudioListens.Listen listen) listen.finish(null);
            return;
        }
        if (log.isDebugEnabled()) log.debug("{}: {} on {}", this, LogText.escape(command.toString()), LogText.escape(call.id()));
        call.submit(command).whenComplete((r, e) -> {
            pendingCommands.decrementAndGet();
            CommandResult result = r != null ? r : CommandResult.failed(String.valueOf(e));
            after.accept(result);
            send(NativeCodec.result(id, call.id(), result));
        });
    }

    /** The better of the client's grants on the call's number and on every number. */
    private AccessPolicy.Grant commandGrant(String number) {
        AccessPolicy.Grant own = grants.get(number);
        AccessPolicy.Grant all = grants.get(Bridge.ALL_NUMBERS);
        if (own == null) return all == null ? new AccessPolicy.Grant(AccessPolicy.Level.NONE, "not subscribed") : all;
        if (all == null) return own;
        return all.level().atLeast(own.level()) ? all : own;
    }

    @Override
    protected Object goodbye(String reason) {
        return NativeCodec.disconnect(reason);
    }

    @Override
    protected byte[] render(Object message) {
        if (message instanceof CallEvent e) return (lineFramed ? EVENT_LINES : EVENTS).encode(e);
        String text = switch (message) {
            case AudioListens.Frame f -> NativeCodec.audio(f);
            case AudioListens.End e -> NativeCodec.audioEnd(e);
            case Snapshot s -> NativeCodec.subscribed(s.id(), s.number(), s.access(), s.calls());
            case String s -> s;
            default -> throw new IllegalStateException("cannot render " + message.getClass());
        };
        return (lineFramed ? text + "\n" : text).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void unsubscribeAll() {
        listens.dropAll();
        grants.clear();
        for (String n : List.copyOf(subscriptions.keySet())) {
            Subscription s = subscriptions.remove(n);
            if (s != null) {
                s.close();
                clientSessions.releaseSubscription();
            }
        }
    }
}
