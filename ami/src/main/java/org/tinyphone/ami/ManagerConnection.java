package org.tinyphone.ami;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
    private static final Logger log = LoggerFactory.getLogger(ManagerConnection.class);
    private static final ScheduledExecutorService TIMER;

    static {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "ami-timeouts");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        TIMER = t;
    }

    private final ManagerConfig cfg;
    private final String where;
    private final AtomicLong ids = new AtomicLong();
    private final String idPrefix = Long.toString(System.nanoTime() & 0xffffff, 36) + "-";
    private final Executor completer = Executors.newVirtualThreadPerTaskExecutor();
    private final List<ListenerQueue<AmiMessage>> listeners = new CopyOnWriteArrayList<>();
    private final List<ListenerQueue<ConnectionState>> stateListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<AmiMessage>> internalListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> lossHooks = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<OriginateResult>> originates = new ConcurrentHashMap<>();
    private final Map<String, Session> originateSessions = new ConcurrentHashMap<>();
    private final List<String> filters = new CopyOnWriteArrayList<>();
    private final AtomicLong droppedEvents = new AtomicLong();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition stateChanged = stateLock.newCondition();

    private volatile String eventMask;
    private volatile ConnectionState state;
    private volatile Session current;
    private volatile boolean closing;
    private volatile boolean closeCalled;
    private volatile String banner;
    private volatile Thread supervisor;
    private volatile Thread keepalive;
    private boolean reconnecting;      // guarded by stateLock
    private boolean reconnectPending;  // guarded by stateLock

    private ManagerConnection(ManagerConfig cfg) {
        this.cfg = cfg;
        this.where = cfg.address();
        this.eventMask = cfg.events();
    }

    public static Builder builder() { return new Builder(); }

    // ------------------------------------------------------------------------------------------ public API

    /**
     * Connects and logs in, blocking until logged in. Throws {@link AmiException.AuthenticationFailed} on bad
     * credentials and {@link AmiException.ConnectionLost} when Asterisk cannot be reached. After this succeeds,
     * drops are handled by reconnecting (if enabled).
     */
    public void connect() {
        if (closing) throw new IllegalStateException("connection was closed");
        if (current != null) return;
        try {
            openSession();
        } catch (RuntimeException e) {
            if (cfg.reconnect() && !closing && !(e instanceof AmiException.AuthenticationFailed) && cfg.retryFirstConnect()) {
                startReconnect("first connect failed: " + e.getMessage());
                return;
            }
            throw e;
        }
        startKeepalive();
    }

    /** Sends an action with the default timeout. The future fails with an {@link AmiException} subtype. */
    public CompletableFuture<AmiResponse> send(AmiAction action) { return send(action, cfg.actionTimeout()); }

    /** Sends an action; the future completes with the response (and list events), or fails after {@code timeout}. */
    public CompletableFuture<AmiResponse> send(AmiAction action, Duration timeout) {
        Session s = current;
        if (s == null || state != ConnectionState.LOGGED_IN) {
            return CompletableFuture.failedFuture(new AmiException.ConnectionLost(
                    "not logged in to Asterisk at " + where + " (state " + state + "); " + action + " not sent"));
        }
        return s.send(action, timeout);
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
        Session s = current;
        if (s == null || state != ConnectionState.LOGGED_IN) {
            return CompletableFuture.failedFuture(new AmiException.ConnectionLost(
                    "not logged in to Asterisk at " + where + " (state " + state + "); Originate not sent"));
        }
        AmiAction a = o.toAction();
        String id = a.get("ActionID") != null ? a.get("ActionID") : nextId();
        CompletableFuture<OriginateResult> result = new CompletableFuture<>();
        originates.put(id, result);
        originateSessions.put(id, s);
        Duration total = o.timeout().plus(cfg.actionTimeout());
        ScheduledFuture<?> t = TIMER.schedule(() -> result.completeExceptionally(new AmiException.Timeout(
                "no OriginateResponse for ActionID " + id + " within " + total.toMillis() + " ms")), total.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((r, e) -> {
            originates.remove(id, result);
            originateSessions.remove(id);
            t.cancel(false);
        });
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

    /** Listens to events named {@code eventName} (case-insensitive). */
    public Subscription onEvent(String eventName, Consumer<AmiMessage> listener) {
        Objects.requireNonNull(eventName);
        return addListener(eventName, m -> m.isEvent(eventName), listener);
    }

    /** Listens to events matching {@code filter} (the filter runs on the listener's own thread, never the reader's). */
    public Subscription onEvent(Predicate<AmiMessage> filter, Consumer<AmiMessage> listener) {
        return addListener("predicate", null, m -> {
            if (filter.test(m)) listener.accept(m);
        });
    }

    /** Listens to a typed event, e.g. {@code on(AmiEvents.Hangup.class, h -> ...)}. */
    public <T> Subscription on(Class<T> type, Consumer<T> listener) {
        AmiEvents.as(type, AmiMessage.of("Event: " + type.getSimpleName()));   // fails early for an unknown type
        return addListener(type.getSimpleName(), m -> AmiEvents.matches(type, m), m -> listener.accept(AmiEvents.as(type, m)));
    }

    /** Listens to every event. */
    public Subscription onEvents(Consumer<AmiMessage> listener) { return addListener("all", null, listener); }

    /** Listens to events matching {@code filter}, with its own queue size (a stuck listener loses events beyond it, with a warning). */
    public Subscription onEvent(Predicate<AmiMessage> filter, Consumer<AmiMessage> listener, int queueCapacity) {
        return addListener("predicate", null, m -> {
            if (filter.test(m)) listener.accept(m);
        }, queueCapacity);
    }

    private Subscription addListener(String name, Predicate<AmiMessage> filter, Consumer<AmiMessage> listener) {
        return addListener(name, filter, listener, cfg.listenerQueue());
    }

    private Subscription addListener(String name, Predicate<AmiMessage> filter, Consumer<AmiMessage> listener, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("queue capacity must be positive");
        AtomicReference<ListenerQueue<AmiMessage>> self = new AtomicReference<>();
        self.set(new ListenerQueue<>(name + "#" + listeners.size(), filter, listener, capacity, cfg.listenerPatience(), droppedEvents,
                () -> listeners.remove(self.get())));
        listeners.add(self.get());
        return self.get();
    }

    /** Listens to connection state changes (CONNECTED, LOGGED_IN, LOST, RECONNECTING, CLOSED). */
    public Subscription onState(Consumer<ConnectionState> listener) {
        AtomicReference<ListenerQueue<ConnectionState>> self = new AtomicReference<>();
        self.set(new ListenerQueue<>("state#" + stateListeners.size(), null, listener, 1024, () -> stateListeners.remove(self.get())));
        stateListeners.add(self.get());
        return self.get();
    }

    /** Turns events on/off or sets a class mask ({@code on}, {@code off}, {@code call,agi}); kept across reconnects. */
    public CompletableFuture<AmiResponse> setEvents(String mask) {
        eventMask = mask;
        return send(AmiAction.of("Events").add("EventMask", mask));
    }

    /** Adds a server-side event filter ({@code Action: Filter}, e.g. {@code "Event: Newchannel"}); kept across reconnects. */
    public CompletableFuture<AmiResponse> addFilter(String filter) {
        filters.add(filter);
        return send(filterAction(filter));
    }

    private static AmiAction filterAction(String filter) {
        return AmiAction.of("Filter").add("Operation", "Add").add("Filter", filter);
    }

    public ConnectionState state() { return state; }

    /**
     * Events lost so far, over all event listeners, because a listener was stuck with a full queue (0 while every
     * listener keeps up on average: a burst is held back in TCP, not dropped). Per listener: {@link Subscription#dropped()}.
     */
    public long droppedEvents() { return droppedEvents.get(); }

    /** The banner line, e.g. {@code Asterisk Call Manager/11.0.0}, or null before the first connect. */
    public String banner() { return banner; }

    /** The AMI version from the banner, e.g. {@code 11.0.0}. */
    public String amiVersion() {
        String b = banner;
        return b == null ? null : b.substring(AmiDecoder.BANNER_PREFIX.length());
    }

    public String address() { return where; }

    /** Waits until the state is {@code wanted} or the timeout passes; true if reached. */
    public boolean awaitState(ConnectionState wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        stateLock.lock();
        try {
            while (state != wanted) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                stateChanged.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            stateLock.unlock();
        }
    }

    /** Logs off (waits briefly for Goodbye), closes the socket, fails what is pending and stops reconnecting. */
    @Override
    public void close() {
        if (closeCalled) return;
        closeCalled = true;
        closing = true;
        Thread sup = supervisor, ka = keepalive;
        if (sup != null) sup.interrupt();
        if (ka != null) ka.interrupt();
        Session s = current;
        if (s != null && state == ConnectionState.LOGGED_IN) {
            try {
                s.send(AmiAction.of("Logoff"), Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.debug("Logoff to {} not acknowledged: {}", where, e.toString());
            }
        }
        if (s != null) s.lost("connection closed by the application");
        setState(ConnectionState.CLOSED);
        for (CompletableFuture<OriginateResult> f : originates.values()) {
            f.completeExceptionally(new AmiException.ConnectionLost("connection to " + where + " closed before OriginateResponse"));
        }
        for (ListenerQueue<AmiMessage> l : listeners) l.stopAfterQueued();
        for (ListenerQueue<ConnectionState> l : stateListeners) l.stopAfterQueued();
    }

    // ------------------------------------------------------------------------------------------ internals

    /** Package hook: runs on the reader thread for every event; must be fast and never block. */
    void addInternalListener(Consumer<AmiMessage> l) { internalListeners.add(l); }

    void removeInternalListener(Consumer<AmiMessage> l) { internalListeners.remove(l); }

    /** Package hook: told (with the reason) whenever a connection is lost. */
    void addLossHook(Consumer<String> hook) { lossHooks.add(hook); }

    String nextId() { return idPrefix + ids.incrementAndGet(); }

    private void setState(ConnectionState s) {
        stateLock.lock();
        try {
            if (state == ConnectionState.CLOSED) return;
            if (state == s) return;
            state = s;
            stateChanged.signalAll();
        } finally {
            stateLock.unlock();
        }
        log.debug("AMI {} {}", where, s);
        for (ListenerQueue<ConnectionState> l : stateListeners) l.offer(s);
    }

    private void openSession() {
        Socket socket = new Socket();
        Session s;
        try {
            socket.connect(new InetSocketAddress(cfg.host(), cfg.port()), (int) cfg.connectTimeout().toMillis());
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            s = new Session(socket);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new AmiException.ConnectionLost("cannot connect to Asterisk AMI at " + where + ": " + e.getMessage(), e);
        }
        s.start();
        try {
            banner = s.banner.get(cfg.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            s.lost("no AMI banner");
            throw new AmiException.ConnectionLost("no 'Asterisk Call Manager/x.y.z' banner from " + where + " within "
                    + cfg.connectTimeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            s.lost("no AMI banner");
            throw new AmiException.ConnectionLost("connection to " + where + " ended before the AMI banner: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            s.lost("interrupted");
            Thread.currentThread().interrupt();
            throw new AmiException.ConnectionLost("interrupted while connecting to " + where);
        }
        setState(ConnectionState.CONNECTED);
        try {
            login(s);
        } catch (RuntimeException e) {
            s.lost("login failed");
            throw e;
        }
        if (closing) {                       // close() ran while we were logging in: do not leave a session behind
            s.lost("connection closed by the application");
            throw new AmiException.ConnectionLost("connection to " + where + " closed while logging in");
        }
        current = s;
        setState(ConnectionState.LOGGED_IN);
        log.info("AMI logged in to {} as '{}' ({})", where, cfg.username(), banner);
        boolean lostAlready;
        stateLock.lock();
        try {
            s.established = true;
            lostAlready = s.lostBeforeEstablished;
        } finally {
            stateLock.unlock();
        }
        if (lostAlready) connectionGone(s, s.lostReason);   // e.g. Shutdown right after login: logged in, then lost
    }

    private void login(Session s) {
        AmiAction login = AmiAction.of("Login");
        if (cfg.md5()) {
            AmiResponse ch = await(s.send(AmiAction.of("Challenge").add("AuthType", "MD5"), cfg.actionTimeout()));
            String challenge = ch.get("Challenge");
            if (!ch.isSuccess() || challenge == null) {
                throw new AmiException.AuthenticationFailed("MD5 challenge refused by " + where + ": " + ch.text());
            }
            login.add("AuthType", "MD5").add("Username", cfg.username()).add("Key", md5Hex(challenge + cfg.secret()));
        } else {
            login.add("Username", cfg.username()).add("Secret", cfg.secret());
        }
        String mask = eventMask;
        if (mask != null) login.add("Events", mask);
        AmiResponse r = await(s.send(login, cfg.actionTimeout()));
        if (!r.isSuccess()) {
            throw new AmiException.AuthenticationFailed("Asterisk at " + where + " refused login as '" + cfg.username() + "': "
                    + (r.text() == null ? r.response() : r.text()));
        }
        for (String f : filters) {
            s.send(filterAction(f), cfg.actionTimeout()).whenComplete((fr, fe) -> {
                if (fe != null || !fr.isSuccess()) log.warn("re-adding AMI filter '{}' failed: {}", f, fe != null ? fe.getMessage() : fr.text());
            });
        }
    }

    /** Lowercase hex MD5 as Asterisk expects for {@code Key}. */
    public static String md5Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sessionLost(Session s, String reason) {
        if (current == s) current = null;
        originateSessions.forEach((id, os) -> {
            CompletableFuture<OriginateResult> f = os == s ? originates.get(id) : null;
            if (f != null) {
                f.completeExceptionally(new AmiException.ConnectionLost("AMI connection to " + where + " lost (" + reason
                        + ") before the OriginateResponse for ActionID " + id + "; the call may still have been placed"));
            }
        });
        for (Consumer<String> h : lossHooks) {
            try {
                h.accept(reason);
            } catch (RuntimeException e) {
                log.warn("AMI loss hook failed", e);
            }
        }
        if (closing) return;
        if (s.loggingOff != null) {            // the application sent Logoff: Asterisk said Goodbye and closed
            closing = true;
            setState(ConnectionState.CLOSED);
            return;
        }
        stateLock.lock();
        try {
            if (!s.established) {               // still being opened: openSession reports it
                s.lostBeforeEstablished = true;
                s.lostReason = reason;
                return;
            }
        } finally {
            stateLock.unlock();
        }
        connectionGone(s, reason);
    }

    private void connectionGone(Session s, String reason) {
        if (current == s) current = null;
        log.warn("AMI connection to {} lost: {}", where, reason);
        setState(ConnectionState.LOST);
        if (cfg.reconnect()) startReconnect(reason);
        else {
            closing = true;
            setState(ConnectionState.CLOSED);
        }
    }

    private void startReconnect(String reason) {
        stateLock.lock();
        try {
            if (closing) return;
            reconnectPending = true;
            if (reconnecting) return;
            reconnecting = true;
            supervisor = Thread.ofVirtual().name("ami-reconnect-" + where).start(this::reconnectLoop);
        } finally {
            stateLock.unlock();
        }
        startKeepalive();
    }

    private void reconnectLoop() {
        while (true) {
            stateLock.lock();
            try {
                if (closing || !reconnectPending) {
                    reconnecting = false;
                    return;
                }
                reconnectPending = false;
            } finally {
                stateLock.unlock();
            }
            if (!reconnectUntilLoggedIn()) {
                stateLock.lock();
                reconnecting = false;
                stateLock.unlock();
                return;
            }
        }
    }

    private boolean reconnectUntilLoggedIn() {
        long backoff = cfg.reconnectInitial().toMillis();
        int attempt = 0;
        while (!closing) {
            setState(ConnectionState.RECONNECTING);
            attempt++;
            try {
                openSession();
                log.info("AMI reconnected to {} after {} attempt(s)", where, attempt);
                return true;
            } catch (RuntimeException e) {
                if (closing) return false;
                long wait = backoff + ThreadLocalRandom.current().nextLong(backoff / 4 + 1);
                log.warn("AMI reconnect to {} failed (attempt {}): {}; next try in {} ms", where, attempt, e.getMessage(), wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    return false;
                }
                backoff = Math.min(backoff * 2, cfg.reconnectMax().toMillis());
            }
        }
        return false;
    }

    private void startKeepalive() {
        if (cfg.keepAlive().isZero() || cfg.keepAlive().isNegative()) return;
        stateLock.lock();
        try {
            if (keepalive != null && keepalive.isAlive()) return;
            keepalive = Thread.ofVirtual().name("ami-keepalive-" + where).start(this::keepaliveLoop);
        } finally {
            stateLock.unlock();
        }
    }

    private void keepaliveLoop() {
        while (!closing) {
            try {
                Thread.sleep(cfg.keepAlive().toMillis());
            } catch (InterruptedException e) {
                return;
            }
            Session s = current;
            if (s == null || state != ConnectionState.LOGGED_IN || closing) continue; // never Ping before Login
            try {
                s.send(AmiAction.of("Ping"), cfg.actionTimeout()).get();
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AmiException.Timeout && !closing) {
                    s.lost("keepalive Ping got no reply within " + cfg.actionTimeout().toMillis() + " ms");
                }
            }
        }
    }

    private void dispatchEvent(AmiMessage m) {
        if (m.isEvent("OriginateResponse")) {
            String id = m.actionId();
            CompletableFuture<OriginateResult> f = id == null ? null : originates.get(id);
            if (f != null) f.complete(OriginateResult.of(m));
        }
        for (Consumer<AmiMessage> l : internalListeners) {
            try {
                l.accept(m);
            } catch (RuntimeException e) {
                log.warn("AMI internal listener failed on {}", m.eventName(), e);
            }
        }
        for (ListenerQueue<AmiMessage> l : listeners) l.offer(m);
    }

    /** At most 80 characters, control and non-ASCII bytes shown as '?', for logging what a peer sent. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 83));
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (s.length() > 80) sb.append("...");
        return sb.toString();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** One TCP connection: its reader thread, writer lock and the actions waiting for a reply on it. */
    private final class Session implements AmiDecoder.Listener {
        final Socket socket;
        final OutputStream out;
        final InputStream in;
        final ReentrantLock writeLock = new ReentrantLock();
        final Map<String, Pending> pending = new ConcurrentHashMap<>();
        final CompletableFuture<String> banner = new CompletableFuture<>();
        final AmiDecoder decoder = new AmiDecoder(true, cfg.maxLine(), cfg.maxMessage());
        volatile boolean dead;
        long ignored;                   // reader thread only
        long errors;                    // reader thread only
        boolean established;            // guarded by stateLock
        boolean lostBeforeEstablished;  // guarded by stateLock
        String lostReason;
        volatile String loggingOff;

        Session(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = socket.getInputStream();
        }

        void start() {
            Thread.ofVirtual().name("ami-reader-" + where).start(this::readLoop);
        }

        private void readLoop() {
            byte[] buf = new byte[32 * 1024];
            String reason = "connection closed by Asterisk (EOF)";
            CarrierShare share = new CarrierShare();
            try {
                while (true) {
                    long start = System.nanoTime();
                    int n = in.read(buf);
                    if (n < 0) break;
                    share.returnedFrom(start);
                    if (n > 0) {
                        decoder.feed(buf, 0, n, this);
                        // Virtual threads are not time-sliced: while Asterisk keeps sending, read() never parks, so
                        // on a single carrier the listeners would never run. Let them have the carrier.
                        if (listenerBacklog()) Thread.yield();
                        // ... and now and then everything else too: completions of actions, timers, other sockets
                        share.between();
                    }
                }
            } catch (IOException e) {
                reason = dead ? "closed" : "read failed: " + e.getMessage();
            } catch (RuntimeException | Error e) {
                reason = "reader failed: " + e;
                log.error("AMI reader for {} failed", where, e);
            }
            lost(reason);
        }

        private boolean listenerBacklog() {
            for (ListenerQueue<AmiMessage> l : listeners) {
                if (l.backlog() > 0) return true;
            }
            return false;
        }

        @Override
        public void onBanner(String line) { banner.complete(line); }

        @Override
        public void onError(String problem) {
            long n = ++errors;
            if (n <= 10 || n % 1000 == 0) log.warn("AMI from {}: {} (the connection goes on; {} so far)", where, problem, n);
        }

        @Override
        public void onMessage(AmiMessage m) {
            if (!banner.isDone()) banner.complete(null);
            if (m.isResponse()) {
                String id = m.actionId();
                Pending p = id == null ? null : pending.get(id);
                if (p == null) {
                    log.debug("AMI response with no waiting action (ActionID {}): {}", id, m.get("Message"));
                    return;
                }
                if (m.is("EventList", "start")) {
                    p.response = m;
                    return;
                }
                complete(p, new AmiResponse(m, List.of()));
                return;
            }
            if (m.isEvent()) {
                String id = m.actionId();
                if (id != null) {
                    Pending p = pending.get(id);
                    if (p != null && p.response != null) {
                        p.events.add(m);
                        if (m.is("EventList", "Complete") || m.is("EventList", "Cancelled")) {
                            complete(p, new AmiResponse(p.response, p.events));
                        }
                        return;
                    }
                }
                dispatchEvent(m);
                return;
            }
            long n = ++ignored;
            if (n == 1 || n % 1000 == 0) {
                log.warn("AMI from {}: ignored {} message(s) that are neither a response nor an event, e.g. '{}'", where, n,
                        printable(m.isBare(0) ? m.value(0) : m.key(0) + ": " + m.value(0)));
            }
        }

        private void complete(Pending p, AmiResponse r) {
            if (!pending.remove(p.id, p)) return;
            p.timer.cancel(false);
            if (p.name.equalsIgnoreCase("Logoff")) loggingOff = p.id;
            completer.execute(() -> p.future.complete(r));
        }

        CompletableFuture<AmiResponse> send(AmiAction action, Duration timeout) {
            return send(action, timeout, action.get("ActionID") != null ? action.get("ActionID") : nextId());
        }

        CompletableFuture<AmiResponse> send(AmiAction action, Duration timeout, String id) {
            CompletableFuture<AmiResponse> f = new CompletableFuture<>();
            if (dead) {
                f.completeExceptionally(new AmiException.ConnectionLost("connection to " + where + " is gone; " + action + " not sent"));
                return f;
            }
            byte[] bytes;
            try {
                bytes = action.encode(id);
            } catch (IllegalArgumentException e) {
                f.completeExceptionally(e);
                return f;
            }
            Pending p = new Pending(id, action.name(), f);
            if (pending.putIfAbsent(id, p) != null) {
                f.completeExceptionally(new IllegalArgumentException("ActionID " + id + " is already waiting for a response"));
                return f;
            }
            p.timer = TIMER.schedule(() -> {
                if (pending.remove(id, p)) {
                    completer.execute(() -> f.completeExceptionally(new AmiException.Timeout("no response from " + where + " to Action: "
                            + action.name() + " (ActionID " + id + ") within " + timeout.toMillis() + " ms")));
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (dead && pending.remove(id, p)) {     // lost between the check above and the put: fail now, not at timeout
                p.timer.cancel(false);
                f.completeExceptionally(new AmiException.ConnectionLost("connection to " + where + " is gone; " + action + " not sent"));
                return f;
            }
            writeLock.lock();
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                lost("write failed: " + e.getMessage());
            } finally {
                writeLock.unlock();
            }
            return f;
        }

        /** Idempotent: closes the socket, fails every pending action at once, tells the connection. */
        void lost(String reason) {
            if (dead) return;
            dead = true;
            closeQuietly(socket);
            banner.completeExceptionally(new AmiException.ConnectionLost(reason));
            boolean byLogoff = loggingOff != null;
            for (Pending p : new ArrayList<>(pending.values())) {
                if (pending.remove(p.id, p)) {
                    p.timer.cancel(false);
                    String msg = "AMI connection to " + where + " lost (" + reason + ") before the response to Action: "
                            + p.name + " (ActionID " + p.id + ")";
                    completer.execute(() -> p.future.completeExceptionally(new AmiException.ConnectionLost(msg)));
                }
            }
            if (byLogoff && !closing) {
                log.info("AMI {} logged off", where);
            }
            sessionLost(this, reason);
        }
    }

    private static final class Pending {
        final String id;
        final String name;
        final CompletableFuture<AmiResponse> future;
        final List<AmiMessage> events = new ArrayList<>();
        volatile AmiMessage response;
        ScheduledFuture<?> timer;

        Pending(String id, String name, CompletableFuture<AmiResponse> future) {
            this.id = id;
            this.name = name;
            this.future = future;
        }
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
