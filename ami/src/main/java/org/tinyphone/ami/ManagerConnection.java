package org.tinyphone.ami;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.tinyphone.ami.codec.AmiDecoder;
import org.tinyphone.ami.codec.AmiMessage;
import org.tinyphone.ami.event.AmiEvents;

/**
 * A connection to the Asterisk Manager Interface that stays up: login (plain or MD5 challenge), actions with
 * ActionIDs returning futures (event lists collected up to {@code EventList: Complete}), per-action timeouts,
 * keepalive Pings, reconnect with backoff and re-login, and listeners that each run on their own virtual
 * thread. When the connection goes, every action in flight fails at once with {@link AmiException.ConnectionLost}.
 *
 * <pre>{@code
 * try (ManagerConnection ami = ManagerConnection.builder().host("127.0.0.1").username("lab").secret("s").build()) {
 *     ami.connect();
 *     ami.onEvent("Hangup", e -> System.out.println(e.get("Channel")));
 *     AmiResponse r = ami.send(AmiAction.of("CoreShowChannels")).join();
 * }
 * }</pre>
 */
public final class ManagerConnection implements AutoCloseable {
    // Inside, one job per class (docs/ami.md, "Inside"): this public face; Supervisor (open, Login, the state,
    // reconnect with backoff, Keepalive); SocketSession (one TCP connection and its reader); PendingActions (ActionID
    // correlation, event lists, timeouts); EventDispatch (listeners, originates, loss hooks). The settings are a
    // ManagerConfig copied at build().
    private final ManagerConfig cfg;
    private final String where;
    private final AtomicLong ids = new AtomicLong();
    private final String idPrefix = Long.toString(System.nanoTime() & 0xffffff, 36) + "-";
    private final Executor completer = Executors.newVirtualThreadPerTaskExecutor();
    private final EventDispatch events;
    private final Supervisor supervisor;

    private ManagerConnection(ManagerConfig cfg) {
        this.cfg = cfg;
        this.where = cfg.address();
        this.events = new EventDispatch(where);
        this.supervisor = new Supervisor(cfg, onEnd -> SocketSession.open(cfg, events, completer, onEnd), Supervisor.Clock.SYSTEM,
                this::nextId, events::stateChanged, events::sessionEnded);
    }

    public static Builder builder() { return new Builder(); }

    /**
     * Connects and logs in, blocking until logged in. Throws {@link AmiException.AuthenticationFailed} on bad
     * credentials and {@link AmiException.ConnectionLost} when Asterisk cannot be reached. After this succeeds,
     * drops are handled by reconnecting (if enabled).
     */
    public void connect() { supervisor.connect(); }

    /** Sends an action with the default timeout. The future fails with an {@link AmiException} subtype. */
    public CompletableFuture<AmiResponse> send(AmiAction action) { return send(action, cfg.actionTimeout()); }

    /** Sends an action; the future completes with the response (and list events), or fails after {@code timeout}. */
    public CompletableFuture<AmiResponse> send(AmiAction action, Duration timeout) {
        Session s = supervisor.loggedIn();
        if (s == null) return notLoggedIn(action.toString());
        return s.send(action, timeout, idFor(action));
    }

    /** Sends and waits: the response, or an {@link AmiException} (never waits longer than the timeout). */
    public AmiResponse call(AmiAction action) {
        return await(send(action));
    }

    static <T> T await(CompletableFuture<T> f) {
        ListenerQueue<?> listener = ListenerQueue.enterCall();   // a listener waiting here: the reader must not wait for it
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof AmiException a) throw a;
            throw new AmiException(c.toString(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AmiException("interrupted", e);
        } finally {
            ListenerQueue.exitCall(listener);
        }
    }

    /**
     * Places a call with {@code Async: true}; the future completes when the {@code OriginateResponse} event
     * arrives (success or the failure reason), or fails if Asterisk rejects the action or nothing arrives
     * within the originate timeout plus the action timeout.
     */
    public CompletableFuture<OriginateResult> originate(Originate o) {
        Session s = supervisor.loggedIn();
        if (s == null) return notLoggedIn("Originate");
        AmiAction a = o.toAction();
        String id = idFor(a);
        CompletableFuture<OriginateResult> result = new CompletableFuture<>();
        events.expectOriginate(id, s, result);
        Duration total = o.timeout().plus(cfg.actionTimeout());
        ScheduledFuture<?> t = PendingActions.TIMER.schedule(() -> result.completeExceptionally(new AmiException.Timeout(
                "no OriginateResponse for ActionID " + id + " within " + total.toMillis() + " ms")), total.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((r, e) -> t.cancel(false));
        s.send(a, cfg.actionTimeout(), id).whenComplete((r, e) -> {
            if (e != null) result.completeExceptionally(e);
            else if (!r.isSuccess()) result.completeExceptionally(new AmiException.ActionFailed("Originate refused: " + r.text()));
        });
        CompletableFuture<OriginateResult> out = new CompletableFuture<>();
        result.whenCompleteAsync((r, e) -> {
            if (e != null) out.completeExceptionally(e);
            else out.complete(r);
        }, completer);
        return out;
    }

    private <T> CompletableFuture<T> notLoggedIn(String what) {
        return CompletableFuture.failedFuture(new AmiException.ConnectionLost(
                "not logged in to Asterisk at " + where + " (state " + supervisor.state() + "); " + what + " not sent"));
    }

    /** Listens to events named {@code eventName} (case-insensitive). */
    public AmiSubscription onEvent(String eventName, Consumer<AmiMessage> listener) {
        Objects.requireNonNull(eventName);
        return addListener(eventName, m -> m.isEvent(eventName), listener);
    }

    /** Listens to events matching {@code filter} (the filter runs on the listener's own thread, never the reader's). */
    public AmiSubscription onEvent(Predicate<AmiMessage> filter, Consumer<AmiMessage> listener) {
        return addListener("predicate", null, m -> {
            if (filter.test(m)) listener.accept(m);
        });
    }

    /** Listens to a typed event, e.g. {@code on(AmiEvents.Hangup.class, h -> ...)}. */
    public <T> AmiSubscription on(Class<T> type, Consumer<T> listener) {
        AmiEvents.as(type, AmiMessage.of("Event: " + type.getSimpleName()));   // fails early for an unknown type
        return addListener(type.getSimpleName(), m -> AmiEvents.matches(type, m), m -> listener.accept(AmiEvents.as(type, m)));
    }

    /** Listens to every event. */
    public AmiSubscription onEvents(Consumer<AmiMessage> listener) { return addListener("all", null, listener); }

    /** Listens to events matching {@code filter}, with its own queue size (a stuck listener loses events beyond it, with a warning). */
    public AmiSubscription onEvent(Predicate<AmiMessage> filter, Consumer<AmiMessage> listener, int queueCapacity) {
        return events.addListener("predicate", null, m -> {
            if (filter.test(m)) listener.accept(m);
        }, queueCapacity, cfg.listenerPatience());
    }

    private AmiSubscription addListener(String name, Predicate<AmiMessage> filter, Consumer<AmiMessage> listener) {
        return events.addListener(name, filter, listener, cfg.listenerQueue(), cfg.listenerPatience());
    }

    /** Listens to connection state changes (CONNECTED, LOGGED_IN, LOST, RECONNECTING, CLOSED). */
    public AmiSubscription onState(Consumer<ConnectionState> listener) { return events.onState(listener); }

    /** Turns events on/off or sets a class mask ({@code on}, {@code off}, {@code call,agi}); kept across reconnects. */
    public CompletableFuture<AmiResponse> setEvents(String mask) {
        supervisor.eventMask(mask);
        return send(AmiAction.of("Events").add("EventMask", mask));
    }

    /** Adds a server-side event filter ({@code Action: Filter}, e.g. {@code "Event: Newchannel"}); kept across reconnects. */
    public CompletableFuture<AmiResponse> addFilter(String filter) {
        supervisor.addFilter(filter);
        return send(Login.filterAction(filter));
    }

    public ConnectionState state() { return supervisor.state(); }

    /**
     * Events lost so far, over all event listeners, because a listener was stuck with a full queue (0 while every
     * listener keeps up on average: a burst is held back in TCP, not dropped). Per listener: {@link AmiSubscription#dropped()}.
     */
    public long droppedEvents() { return events.droppedEvents(); }

    /** The banner line, e.g. {@code Asterisk Call Manager/11.0.0}, or null before the first connect. */
    public String banner() { return supervisor.banner(); }

    /** The AMI version from the banner, e.g. {@code 11.0.0}. */
    public String amiVersion() {
        String b = supervisor.banner();
        return b == null ? null : b.substring(AmiDecoder.BANNER_PREFIX.length());
    }

    public String address() { return where; }

    /** Waits until the state is {@code wanted} or the timeout passes; true if reached. */
    public boolean awaitState(ConnectionState wanted, Duration timeout) { return supervisor.awaitState(wanted, timeout); }

    /** Logs off (waits briefly for Goodbye), closes the socket, fails what is pending and stops reconnecting. */
    @Override
    public void close() {
        if (supervisor.close()) events.close();
    }

    /** Lowercase hex MD5 as Asterisk expects for {@code Key}. */
    public static String md5Hex(String s) { return Login.md5Hex(s); }

    /** Package hook: runs on the reader thread for every event; must be fast and never block. */
    void addInternalListener(Consumer<AmiMessage> l) { events.addInternalListener(l); }

    void removeInternalListener(Consumer<AmiMessage> l) { events.removeInternalListener(l); }

    /** Package hook: told (with the reason) whenever a connection is lost. */
    void addLossHook(Consumer<String> hook) { events.addLossHook(hook); }

    String nextId() { return idPrefix + ids.incrementAndGet(); }

    /** The action's own ActionID if it has one, else a new one. */
    private String idFor(AmiAction a) {
        String id = a.get("ActionID");
        return id != null ? id : nextId();
    }

    /** Settings; {@link #build()} makes an unconnected {@link ManagerConnection}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 5038;
        private String username = "";
        private String secret = "";
        private boolean md5;
        private String events;
        private Duration actionTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration keepAlive = Duration.ofSeconds(20);
        private boolean reconnect = true;
        private boolean retryFirstConnect;
        private Duration reconnectInitial = Duration.ofMillis(250);
        private Duration reconnectMax = Duration.ofSeconds(30);
        private int listenerQueue = 10_000;
        private Duration listenerPatience = ListenerQueue.DEFAULT_PATIENCE;
        private int maxLine = AmiDecoder.DEFAULT_MAX_LINE;
        private int maxMessage = AmiDecoder.DEFAULT_MAX_MESSAGE;

        public Builder host(String v) { host = v; return this; }

        public Builder port(int v) { port = v; return this; }

        public Builder username(String v) { username = v; return this; }

        public Builder secret(String v) { secret = v; return this; }

        /** Log in with the MD5 challenge instead of sending the secret. */
        public Builder md5(boolean v) { md5 = v; return this; }

        /** The {@code Events:} value sent at Login ({@code on}, {@code off}, {@code call,agi,...}); default: omitted (Asterisk: on). */
        public Builder events(String v) { events = v; return this; }

        /** Default time to wait for each response (default 10 s). */
        public Builder actionTimeout(Duration v) { actionTimeout = v; return this; }

        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }

        /** Ping interval while logged in (default 20 s; zero turns keepalive off). */
        public Builder keepAlive(Duration v) { keepAlive = v; return this; }

        /** Reconnect and log in again after a drop (default true). */
        public Builder reconnect(boolean v) { reconnect = v; return this; }

        /** If the very first connect fails, keep retrying in the background instead of throwing. */
        public Builder retryFirstConnect(boolean v) { retryFirstConnect = v; return this; }

        /** Backoff between reconnect attempts: starts at {@code initial}, doubles up to {@code max}. */
        public Builder reconnectBackoff(Duration initial, Duration max) { reconnectInitial = initial; reconnectMax = max; return this; }

        /** Events queued per listener (default 10000); a listener that is stuck loses events beyond it. */
        public Builder listenerQueue(int v) { listenerQueue = v; return this; }

        /**
         * How long the reader waits, when a listener's queue is ¾ full, for that listener to take an event before
         * treating it as stuck (default 50 ms). Meanwhile nothing more is read from Asterisk: a burst becomes TCP
         * back-pressure instead of loss. Zero: never wait (events for a full queue are dropped at once).
         */
        public Builder listenerPatience(Duration v) {
            if (v.isNegative()) throw new IllegalArgumentException("listenerPatience must not be negative");
            listenerPatience = v;
            return this;
        }

        /** Longest line and message accepted from Asterisk (defaults 64 KiB, 1 MiB). */
        public Builder limits(int maxLineBytes, int maxMessageBytes) { maxLine = maxLineBytes; maxMessage = maxMessageBytes; return this; }

        /** An unconnected connection with these settings, copied: changing this builder later does not change it. */
        public ManagerConnection build() { return new ManagerConnection(config()); }

        ManagerConfig config() {
            return new ManagerConfig(host, port, username, secret, md5, events, actionTimeout, connectTimeout, keepAlive, reconnect,
                    retryFirstConnect, reconnectInitial, reconnectMax, listenerQueue, listenerPatience, maxLine, maxMessage);
        }
    }
}
