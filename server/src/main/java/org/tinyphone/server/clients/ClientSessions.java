package org.tinyphone.server.clients;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.access.AccessPolicy;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.config.TinyphoneConfig;

/** What every client session shares: the bridge, the limits and the client meters. Tracks live sessions. */
public final class ClientSessions {
    private static final Logger log = LoggerFactory.getLogger(ClientSessions.class);
    /**
     * Dialect names as used in metrics and logs. The original hub's dialect is labelled {@code legacy}, the name
     * dashboards and the status have always shown (docs/design.md, "Words").
     */
    public static final String ORIGINAL = "legacy", TCP = "tcp", WEBSOCKET = "websocket", SOCKETIO = "socketio";

    /** Per-client limits. */
    public record Limits(int queue, Duration overloadTimeout, int maxLine, int maxPendingCommands, Duration idlePing) {
        public static Limits of(TinyphoneConfig c) {
            return new Limits(c.clientQueue(), c.clientOverloadTimeout(), c.clientMaxLine(), c.clientMaxPendingCommands(),
                    c.clientIdlePing());
        }
    }

    private final Bridge bridge;
    private final AccessPolicy access;
    private final Limits limits;
    private final String serverName;
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> byDialect = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final Duration sweepEvery;
    final Counter coalesced;
    final Counter dropped;
    final Counter overloadDisconnects;
    /** Listens open now, of every client ({@code listen}: {@link AudioListens}). */
    final AtomicInteger listening = new AtomicInteger();
    private final Counter refusalsCounter;
    private final MeterRegistry registry;

    /** Client sessions whose clients may all do everything (tests of other parts). */
    public ClientSessions(Bridge bridge, Limits limits, String serverName) {
        this(bridge, AccessPolicy.open(), limits, serverName);
    }

    public ClientSessions(Bridge bridge, AccessPolicy access, Limits limits, String serverName) {
        this.bridge = bridge;
        this.access = java.util.Objects.requireNonNull(access, "access");
        this.limits = limits;
        this.sweepEvery = Duration.ofMillis(Math.clamp(limits.idlePing().toMillis() / 4, 25, 5_000));
        this.serverName = serverName;
        this.registry = bridge.registry();
        for (String d : List.of(ORIGINAL, TCP, WEBSOCKET, SOCKETIO)) {
            AtomicInteger n = new AtomicInteger();
            byDialect.put(d, n);
            Gauge.builder("tinyphone.clients", n, AtomicInteger::get).description("Connected clients by dialect")
                    .tag("dialect", d).register(registry);
        }
        coalesced = Counter.builder("tinyphone.client.audio_levels.coalesced")
                .description("Audio levels replaced by a newer one before a slow client could take them").register(registry);
        dropped = Counter.builder("tinyphone.client.audio_levels.dropped")
                .description("Audio levels dropped because a slow client's queue was full").register(registry);
        overloadDisconnects = Counter.builder("tinyphone.client.disconnects")
                .description("Clients disconnected by the server").tag("reason", "overload").register(registry);
        Gauge.builder("tinyphone.stream.listeners", listening, AtomicInteger::get)
                .description("Clients listening to a call's audio now (one per client and call)").register(registry);
        refusalsCounter = Counter.builder("tinyphone.client.refusals")
                .description("Subscriptions and commands refused by the access rules or the talk-back policy").register(registry);
    }

    public Bridge bridge() { return bridge; }

    /** Who may watch and command what. */
    public AccessPolicy access() { return access; }

    public Limits limits() { return limits; }

    String serverName() { return serverName; }

    long nextId() { return ids.incrementAndGet(); }

    /** Events thrown away with a client that was disconnected for overload. */
    Counter discarded(String type) {
        return Counter.builder("tinyphone.client.events.discarded")
                .description("Events still queued for a client when it was disconnected for overload")
                .tag("type", type).register(registry);
    }

    void added(ClientSession s) {
        sessions.add(s);
        byDialect.get(s.dialect()).incrementAndGet();
        if (sweeping.compareAndSet(false, true)) {
            Thread.ofVirtual().name("tinyphone-clients-idle").start(this::sweep);
        }
    }

    /**
     * One timer for every client: while any session is open, asks each every few seconds whether it has been idle
     * long enough to ping (a writer waiting with a timeout of its own would set and cancel a timer per message).
     */
    private void sweep() {
        try {
            while (true) {
                Thread.sleep(sweepEvery);
                long idle = limits.idlePing().toNanos();
                for (ClientSession s : sessions) s.idleCheck(idle);
                if (sessions.isEmpty()) {
                    sweeping.set(false);
                    // a session added between the check and the reset would have found sweeping still set
                    if (sessions.isEmpty() || !sweeping.compareAndSet(false, true)) return;
                }
            }
        } catch (InterruptedException e) {
            sweeping.set(false);
        }
    }

    void removed(ClientSession s) {
        if (sessions.remove(s)) byDialect.get(s.dialect()).decrementAndGet();
    }

    /**
     * Logs that a client was refused something (a subscription, a command): at most a few lines per 10 s for all
     * clients together, so a client that asks again and again cannot flood the log; outside text is escaped.
     */
    void logRefusal(Object client, String what, String why) {
        refusalsCounter.increment();
        REFUSALS.warn(log, "client refused", "{}: {} refused: {}", LogText.escape(client), LogText.escape(what),
                LogText.escape(why));
    }

    private static final LogLimiter REFUSALS = new LogLimiter(5, Duration.ofSeconds(10));

    /**
     * Numbers all native clients together may watch (each subscription keeps a little state in the bridge; a client
     * may watch {@code NativeSession.MAX_SUBSCRIPTIONS}, and this bounds what many clients together can make the
     * server hold).
     */
    public static final int MAX_SUBSCRIPTIONS = 100_000;
    private final AtomicInteger subscriptionCount = new AtomicInteger();

    /** Takes one of the subscriptions all clients share; false when all are taken. */
    boolean takeSubscription() {
        while (true) {
            int n = subscriptionCount.get();
            if (n >= MAX_SUBSCRIPTIONS) return false;
            if (subscriptionCount.compareAndSet(n, n + 1)) return true;
        }
    }

    void releaseSubscription() {
        subscriptionCount.decrementAndGet();
    }

    /** Connected clients of a dialect (legacy, tcp, websocket). */
    public int count(String dialect) {
        AtomicInteger n = byDialect.get(dialect);
        return n == null ? 0 : n.get();
    }

    /** Waits until every session has ended (or the time is up). */
    public void awaitNone(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!sessions.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Disconnects every client, telling native ones why. */
    public void closeAll(String reason) {
        for (ClientSession s : List.copyOf(sessions)) s.close(reason);
    }
}
