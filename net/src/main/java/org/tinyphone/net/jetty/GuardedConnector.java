package org.tinyphone.net.jetty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedByInterruptException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.tinyphone.net.AcceptRetry;
import org.tinyphone.net.AddressLimit;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;

/**
 * Jetty's connector with the guards of the other listeners ({@link org.tinyphone.net.GuardedAcceptor}): an optional
 * peer allow-list checked as soon as a connection is accepted (before a byte is read), an optional limit per other
 * host ({@link AddressLimit}), a failed accept (EMFILE …) counted, logged a few times per 10 s at most, and retried
 * after 5 ms doubling to 1 s ({@link AcceptRetry}; Jetty's own: a stack trace and 1 s each time); connections are
 * counted open and closed in {@link ListenerStats}. One acceptor thread, which owns the retry state. Add a
 * {@link Cap} for the connection cap and a {@link RequestDeadline} for slow requests.
 *
 * <p>Jetty is an optional dependency of this module: only a user of this package needs {@code jetty-server}.
 */
public final class GuardedConnector extends ServerConnector {
    private final String name;
    private final Logger log;
    private final ListenerStats stats;
    private final LogLimiter limiter;
    private final AcceptRetry retry;
    private final AddressLimit perAddress;
    private final Predicate<InetAddress> allow;
    /** Open endpoints and the address they count for (a closed endpoint no longer knows its peer). */
    private final Map<EndPoint, Optional<InetAddress>> counted = new ConcurrentHashMap<>();

    /**
     * @param name       the listener's name, which starts its log lines ({@code http}, {@code ari.outbound})
     * @param log        where its log lines go
     * @param perAddress connections one other host may have open ({@link AddressLimit#none()}: no limit)
     * @param allow      which peers may connect; others are closed unheard and counted ({@code null}: anyone)
     */
    public GuardedConnector(Server server, String name, Logger log, ListenerStats stats, LogLimiter limiter,
                            AddressLimit perAddress, Predicate<InetAddress> allow, ConnectionFactory... factories) {
        super(server, 1, -1, factories);
        this.name = Objects.requireNonNull(name, "name");
        this.log = Objects.requireNonNull(log, "log");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.perAddress = Objects.requireNonNull(perAddress, "perAddress");
        this.allow = allow;
        this.retry = new AcceptRetry(name, stats, log, limiter);
    }

    /** The listener's counters. */
    public ListenerStats stats() { return stats; }

    @Override
    public void accept(int acceptorID) throws IOException {
        super.accept(acceptorID);
        retry.succeeded();
    }

    @Override
    protected boolean handleAcceptFailure(Throwable failure) {
        if (!isRunning() || isShutdown() || !isOpen()) return false; // stopping: the accept channel was closed
        if (failure instanceof InterruptedException) return true;
        if (failure instanceof ClosedByInterruptException) return false;
        try {
            Thread.sleep(retry.failed(failure));
            return true;
        } catch (InterruptedException e) {
            return isRunning();
        }
    }

    @Override
    protected void onEndPointOpened(EndPoint endPoint) {
        super.onEndPointOpened(endPoint);
        InetAddress peer = endPoint.getRemoteSocketAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        if (allow != null && (peer == null || !allow.test(peer))) {
            stats.countRefusedByAllowList();
            limiter.warn(log, name + " refused (allow-list)", "{}: connection from {} refused: not on the allow-list",
                    name, LogText.escape(peer == null ? null : peer.getHostAddress()));
            endPoint.close();
            return;
        }
        if (!perAddress.tryTake(peer)) {
            stats.countRefusedByAddressLimit();
            limiter.warn(log, name + " refused (per address)", "{}: connection from {} refused: {} connections open "
                    + "from that address (listeners.max-per-address)", name,
                    LogText.escape(peer == null ? null : peer.getHostAddress()), perAddress.max());
            endPoint.close();
            return;
        }
        counted.put(endPoint, Optional.ofNullable(peer));
        stats.countAccepted();
    }

    @Override
    protected void onEndPointClosed(EndPoint endPoint) {
        Optional<InetAddress> peer = counted.remove(endPoint);
        if (peer != null) {
            stats.connectionClosed();
            perAddress.release(peer.orElse(null));
        }
        super.onEndPointClosed(endPoint);
    }

    /**
     * Jetty's connection cap: at the limit the connector stops accepting until a connection closes (the next ones
     * wait in the kernel's listen backlog), so nothing is refused one by one; each time the cap is reached counts as
     * one refusal by cap and writes one (rate-limited) log line naming {@code key}.
     */
    public static final class Cap extends NetworkConnectionLimit {
        private final GuardedConnector connector;
        private final String key;

        /** @param key the setting that raises the cap, named in the log line ({@code http.max-connections}) */
        public Cap(int max, GuardedConnector connector, String key) {
            super(max, connector);
            this.connector = connector;
            this.key = key;
        }

        @Override
        protected void limit() {
            super.limit();
            connector.stats.countRefusedByCap();
            connector.limiter.warn(connector.log, connector.name + " cap", "{}: {} connections open ({}); not accepting "
                    + "until one closes", connector.name, getMaxNetworkConnectionCount(), key);
        }
    }
}
