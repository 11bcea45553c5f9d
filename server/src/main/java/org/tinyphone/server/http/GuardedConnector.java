package org.tinyphone.server.http;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.tinyphone.net.AcceptRetry;
import org.tinyphone.net.AddressLimit;
import org.tinyphone.net.LogText;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogLimiter;

/**
 * Jetty's connector with the guards of the other listeners (net's GuardedAcceptor): a failed accept (EMFILE …) is
 * counted, logged a few times per 10 s at most, and retried after 5 ms doubling to 1 s ({@link AcceptRetry}; Jetty's
 * own: a stack trace and 1 s each time); connections are counted open and closed. One acceptor thread, which owns
 * the retry state.
 */
final class GuardedConnector extends ServerConnector {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);

    private final ListenerStats stats;
    private final LogLimiter limiter;
    private final AcceptRetry retry;
    private final AddressLimit perAddress;
    private final String name;
    /** Open endpoints and the address they count for (a closed endpoint no longer knows its peer). */
    private final Map<EndPoint, Optional<InetAddress>> counted = new ConcurrentHashMap<>();

    /** @param name the listener's name in log lines and config keys ("http", "sms") */
    GuardedConnector(String name, Server server, ListenerStats stats, LogLimiter limiter, AddressLimit perAddress,
                     ConnectionFactory... factories) {
        super(server, 1, -1, factories);
        this.name = name;
        this.stats = stats;
        this.limiter = limiter;
        this.perAddress = perAddress;
        this.retry = new AcceptRetry(name, stats, log, limiter);
    }

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
        if (!perAddress.tryTake(peer)) {
            stats.countRefusedByAddressLimit();
            limiter.warn(log, name + " refused (per address)", "{}: connection from {} refused: {} connections open from "
                    + "that address (listeners.max-per-address)", name,
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
     * one refusal by cap and writes one (rate-limited) log line.
     */
    static final class Cap extends NetworkConnectionLimit {
        private final ListenerStats stats;
        private final LogLimiter limiter;
        private final String name;

        Cap(int max, GuardedConnector connector) {
            super(max, connector);
            this.stats = connector.stats;
            this.limiter = connector.limiter;
            this.name = connector.name;
        }

        @Override
        protected void limit() {
            super.limit();
            stats.countRefusedByCap();
            limiter.warn(log, name + " cap", "{}: {} connections open ({}.max-connections); not accepting until one closes",
                    name, getMaxNetworkConnectionCount(), name);
        }
    }
}
