package org.tinyphone.agi.fastagi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.StreamAgiChannel;
import org.tinyphone.net.GuardedAcceptor;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogText;

/**
 * FastAGI server: Asterisk's {@code AGI(agi://host:port/path?query,args)} connects here; each call runs its
 * app on its own virtual thread. Unknown paths get a VERBOSE line on the Asterisk console and are closed, so
 * the dialplan goes on. An app that throws, a peer that sends garbage or over-long lines, or a peer that never
 * finishes its environment only ends that one call. Accepting runs on the shared
 * {@link GuardedAcceptor}: peers not allowed are closed at accept, connections over the cap
 * ({@link Builder#maxConnections}) are closed at once, and accept errors (out of descriptors) are retried with a
 * backoff; {@link #stats()} counts it all. This class is the listener's life and its settings; each call is
 * served by {@link FastAgiCalls}, its app found by {@link AgiRoutes}.
 *
 * <pre>{@code
 * try (FastAgiServer server = FastAgiServer.builder().port(4573)
 *         .route("/hello", ch -> { ch.answer(); ch.streamFile("hello-world"); ch.hangup(); })
 *         .build().start()) {
 *     server.join();
 * }
 * }</pre>
 */
public final class FastAgiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FastAgiServer.class);

    /** Asterisk's default FastAGI port. */
    public static final int DEFAULT_PORT = 4573;
    /** Calls open at once before one more is refused, unless the builder says otherwise. */
    public static final int DEFAULT_MAX_CONNECTIONS = 20_000;

    private final FastAgiConfig cfg;
    private final FastAgiCalls calls;
    private volatile ServerSocket serverSocket;
    private volatile GuardedAcceptor acceptor;

    private FastAgiServer(Builder b) {
        this.cfg = new FastAgiConfig(b.bind, b.port, b.routes.copy(), // the builder may go on adding routes for another server
                b.fallback, (int) b.environmentTimeout.toMillis(), (int) b.replyTimeout.toMillis(), b.maxLineLength,
                b.backlog, (int) b.drainTimeout.toMillis(), b.maxConnections, b.allow, b.keepAliveTimers);
        this.calls = new FastAgiCalls(cfg, () -> acceptor.stats().countDeadlineMissed());
    }

    public static Builder builder() { return new Builder(); }

    /** Binds and starts accepting calls. */
    public FastAgiServer start() throws IOException {
        if (serverSocket != null) throw new IllegalStateException("already started");
        // the socket of a ServerSocketChannel: its calls' sockets are SocketChannels in blocking mode, whose close
        // is a plain close(2) (java.net's own socket adds getsockopt(SO_LINGER) + shutdown(SHUT_WR) to every close)
        ServerSocket ss = ServerSocketChannel.open().socket();
        ss.setReuseAddress(true);
        if (cfg.keepAliveTimers() != null && !FastAgiCalls.KEEPALIVE_TIMERS_SUPPORTED) {
            log.warn("FastAGI: TCP keepalive timers are not settable on this platform; the system's apply");
        }
        ss.bind(new InetSocketAddress(InetAddress.getByName(cfg.bindHost()), cfg.port()), cfg.backlog());
        serverSocket = ss;
        // the acceptor's loop is a virtual thread: accepting and starting a call's thread then happen on the carrier,
        // between calls, instead of a platform thread that preempts the carrier and wakes it for every new call
        acceptor = GuardedAcceptor.builder("fastagi", ss, calls::serve).allowFrom(cfg.allow()).maxConnections(cfg.maxConnections())
                .logger(log).threadPrefix("fastagi-call-").start();
        log.info("FastAGI server listening on {} (routes: {})", LogText.address(cfg.bindHost(), ss.getLocalPort()),
                cfg.routes().isEmpty() ? "none" : String.join(", ", cfg.routes().describe()));
        return this;
    }

    /** The bound port (the ephemeral one if the builder asked for port 0). */
    public int port() {
        ServerSocket ss = serverSocket;
        if (ss == null) throw new IllegalStateException("not started");
        return ss.getLocalPort();
    }

    /** The bind address as configured. */
    public String bindAddress() { return cfg.bindHost(); }

    /** Calls in progress (connections open). */
    public int activeCalls() {
        GuardedAcceptor a = acceptor;
        return a == null ? 0 : a.openConnections();
    }

    /** Connections accepted since start (refused ones not included: see {@link #stats()}). */
    public long totalCalls() {
        GuardedAcceptor a = acceptor;
        return a == null ? 0 : a.stats().accepted();
    }

    /** Calls that ended with an app error or a protocol error (or sent no environment in time). */
    public long failedCalls() { return calls.failures(); }

    /**
     * The listener's counters: accepted, refused by the cap or the allow-list, closed without an environment in
     * time, accept errors, open now.
     */
    public ListenerStats stats() {
        GuardedAcceptor a = acceptor;
        if (a == null) throw new IllegalStateException("not started");
        return a.stats();
    }

    /** Blocks until the server is closed. */
    public void join() throws InterruptedException {
        GuardedAcceptor a = acceptor;
        if (a != null) a.join();
    }

    /** Stops accepting and waits up to 5 s for calls in progress. */
    @Override
    public void close() { close(Duration.ofSeconds(5)); }

    /**
     * Stops accepting new calls, lets calls in progress finish for up to {@code grace}, then closes the rest.
     *
     * @return true if every call finished within the grace period
     */
    public boolean close(Duration grace) {
        calls.closing();
        GuardedAcceptor a = acceptor;
        if (a == null) return true;
        a.stopAccepting();
        boolean clean = a.awaitIdle(grace);
        if (!clean) {
            log.warn("FastAGI server closing: {} call(s) still running after {} ms; closing their connections",
                    a.openConnections(), grace.toMillis());
            a.closeConnections();
            a.awaitIdle(Duration.ofSeconds(2));
        }
        a.close(); // joins the accept loop
        return clean;
    }

    /**
     * Configuration; defaults: 127.0.0.1:4573, environment timeout 10 s, no reply timeout, 64 KiB lines, at most
     * {@value #DEFAULT_MAX_CONNECTIONS} calls at once.
     */
    public static final class Builder {
        private String bind = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private final AgiRoutes routes = new AgiRoutes();
        private AgiApp fallback;
        private Duration environmentTimeout = Duration.ofSeconds(10);
        private Duration replyTimeout = Duration.ZERO;
        private Duration drainTimeout = Duration.ofSeconds(2);
        private int maxLineLength = StreamAgiChannel.DEFAULT_MAX_LINE;
        private int backlog = 4096;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private Predicate<InetAddress> allow = a -> true;
        private int[] keepAliveTimers;

        private Builder() {}

        /**
         * Which peers may connect (default: any that can reach the bind address). Others are closed at once
         * and logged, e.g. {@code allowFrom(InetAddress::isLoopbackAddress)}.
         */
        public Builder allowFrom(Predicate<InetAddress> allow) {
            this.allow = java.util.Objects.requireNonNull(allow);
            return this;
        }

        /** Address to listen on (default {@code 127.0.0.1}; {@code 0.0.0.0} for all interfaces). */
        public Builder bind(String address) { this.bind = address; return this; }

        /** Port (default 4573; 0 picks a free one, see {@link FastAgiServer#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
            this.port = port;
            return this;
        }

        /** Routes an exact script path ({@code /hello}) or a pattern ({@code /ivr/*}) to an app. */
        public Builder route(String pathOrPattern, AgiApp app) { routes.add(pathOrPattern, app); return this; }

        /** App for paths no route matches (instead of the refusal). */
        public Builder fallback(AgiApp app) { this.fallback = app; return this; }

        /** How long a new connection may take to send its environment (default 10 s). */
        public Builder environmentTimeout(Duration d) { this.environmentTimeout = positive(d); return this; }

        /**
         * How long to wait for any one reply (default: no limit, since WAIT FOR DIGIT -1 or EXEC Dial may
         * legitimately take hours). When it expires the call ends with an {@link AgiException}.
         */
        public Builder replyTimeout(Duration d) { this.replyTimeout = d; return this; }

        /** Longest line accepted from Asterisk (default 64 KiB); a longer one ends that call. */
        public Builder maxLineLength(int bytes) {
            if (bytes < 256) throw new IllegalArgumentException("maxLineLength too small: " + bytes);
            this.maxLineLength = bytes;
            return this;
        }

        /**
         * Calls (connections) open at once; one more is closed at once, counted and logged (default
         * {@value FastAgiServer#DEFAULT_MAX_CONNECTIONS}: far above what one Asterisk sends, so 10,000 concurrent
         * calls are never refused, yet a runaway peer cannot take every file descriptor).
         */
        public Builder maxConnections(int max) {
            if (max < 1) throw new IllegalArgumentException("maxConnections must be at least 1: " + max);
            this.maxConnections = max;
            return this;
        }

        /** Listen backlog (default 4096, so bursts of calls are not refused). */
        public Builder backlog(int backlog) { this.backlog = backlog; return this; }

        /**
         * TCP keepalive timers for each call's connection: first probe after {@code idle} without traffic, then
         * {@code probes} probes {@code interval} apart; the call ends when none is answered (Asterisk's host
         * vanished). Default: SO_KEEPALIVE with the system's timers (Linux {@code net.ipv4.tcp_keepalive_*}:
         * 2 h, 75 s, 9), which costs 3 syscalls per call less. Whole seconds, at least 1.
         */
        public Builder keepAliveTimers(Duration idle, Duration interval, int probes) {
            long i = idle.toSeconds(), v = interval.toSeconds();
            if (i < 1 || v < 1 || probes < 1 || i > Short.MAX_VALUE || v > Short.MAX_VALUE || probes > 127) {
                throw new IllegalArgumentException("keepalive timers out of range: idle " + idle + ", interval "
                        + interval + ", probes " + probes);
            }
            this.keepAliveTimers = new int[] {(int) i, (int) v, probes};
            return this;
        }

        /** How long to wait for Asterisk to close after we end a call (default 2 s). */
        public Builder drainTimeout(Duration d) { this.drainTimeout = positive(d); return this; }

        public FastAgiServer build() { return new FastAgiServer(this); }

        /** Builds and starts. */
        public FastAgiServer start() throws IOException { return build().start(); }

        private static Duration positive(Duration d) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("timeout must be positive: " + d);
            return d;
        }
    }
}
