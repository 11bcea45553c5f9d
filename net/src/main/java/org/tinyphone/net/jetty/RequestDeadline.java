package org.tinyphone.net.jetty;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;

/**
 * A deadline for HTTP requests, which Jetty 12 does not have (its idle timeout restarts with every byte, so a
 * slowloris client that sends a header byte every few seconds keeps a connection for ever): a new connection must
 * complete its first request's headers within the deadline, and on a kept-alive connection, a request whose first
 * bytes arrived must complete its headers within the deadline too. Otherwise the connection is closed, counted
 * ({@link ListenerStats#countDeadlineMissed()}) and logged (rate-limited). Idle kept-alive connections are left to
 * Jetty's idle timeout, requests being handled to their handler, WebSockets (the connection is replaced on upgrade)
 * to their own timeouts.
 *
 * <p>Only Jetty's public connection API is used: a connection's request count grows when a request's headers are
 * complete, its response count when the response goes out, its byte count with every byte read. One virtual thread
 * looks at every HTTP/1 connection a few times per deadline. Use: {@code http1.addEventListener(deadline)} on the
 * connector's {@code HttpConnectionFactory} and {@code server.addBean(deadline)}.
 */
public final class RequestDeadline extends AbstractLifeCycle implements Connection.Listener {
    private static final long NONE = Long.MIN_VALUE;

    private final String name;
    private final Logger log;
    private final Duration deadline;
    private final ListenerStats stats;
    private final LogLimiter limiter;
    private final Map<Connection, Watch> watched = new ConcurrentHashMap<>();
    private volatile Thread sweeper;

    /** What the sweeper last saw of one connection (sweeper thread only, after construction). */
    private static final class Watch {
        long requests;
        long responses;
        long bytes;
        long since; // when the connection began waiting for a request's headers, or NONE

        Watch(long openedAt) { this.since = openedAt; }
    }

    /**
     * @param name the listener's name, which starts its log lines ({@code http}, {@code ari.outbound})
     * @param log  where its log lines go
     */
    public RequestDeadline(String name, Logger log, Duration deadline, ListenerStats stats, LogLimiter limiter) {
        this.name = name;
        this.log = log;
        this.deadline = deadline;
        this.stats = stats;
        this.limiter = limiter;
    }

    /**
     * The same deadline for a request's body, for a handler that reads a whole body before it answers (a webhook's
     * form): from now, the body must be read within the deadline, else the connection is closed, counted and logged as a
     * missed deadline, and the blocked read fails. Jetty's idle timeout restarts with every byte, so without this a
     * peer dripping a body a byte at a time holds the connection for as long as the body is long. Cancel the returned
     * task once the body is read.
     */
    public Scheduler.Task bodyDeadline(Request request) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        return request.getComponents().getScheduler().schedule(() -> {
            if (!endPoint.isOpen()) return;
            stats.countDeadlineMissed();
            limiter.warn(log, name + " body deadline", "{}: {} from {} did not send its whole body within {} ms; closed", name,
                    LogText.escape(request.getMethod() + " " + Request.getPathInContext(request)),
                    LogText.escape(endPoint.getRemoteSocketAddress()), deadline.toMillis());
            endPoint.close();
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        watched.put(connection, new Watch(System.nanoTime()));
    }

    @Override
    public void onClosed(Connection connection) {
        watched.remove(connection);
    }

    @Override
    protected void doStart() {
        sweeper = Thread.ofVirtual().name(name + "-request-deadline").start(this::sweepLoop);
    }

    @Override
    protected void doStop() throws InterruptedException {
        Thread t = sweeper;
        if (t != null) {
            t.interrupt();
            t.join(Duration.ofSeconds(2));
        }
    }

    private void sweepLoop() {
        long period = Math.clamp(deadline.toMillis() / 4, 50, 1000);
        while (isRunning() || isStarting()) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            try {
                sweep(System.nanoTime());
            } catch (RuntimeException e) {
                limiter.warn(log, name + " deadline sweep failed", "{}: request deadline check failed: {}", name,
                        LogText.escape(e));
            }
        }
    }

    private void sweep(long now) {
        long limit = deadline.toNanos();
        for (Map.Entry<Connection, Watch> e : watched.entrySet()) {
            Connection c = e.getKey();
            Watch w = e.getValue();
            if (!c.getEndPoint().isOpen()) { // closed before Jetty told us (e.g. refused over its address's share)
                watched.remove(c);
                continue;
            }
            long requests = c.getMessagesIn();
            long responses = c.getMessagesOut();
            long bytes = c.getBytesIn();
            if (requests != w.requests || responses != w.responses) {
                // a request's headers completed or a response went out since the last look
                w.requests = requests;
                w.responses = responses;
                w.bytes = bytes;
                w.since = NONE;
            } else if (requests > 0 && requests == responses && w.since == NONE && bytes != w.bytes) {
                w.since = now; // every request answered, and bytes of the next one are arriving
            }
            if (requests > responses) w.since = NONE; // headers complete, its handler runs: not ours to time
            if (w.since != NONE && now - w.since >= limit) {
                watched.remove(c);
                stats.countDeadlineMissed();
                limiter.warn(log, name + " request deadline", "{}: connection from {} sent no complete request headers "
                        + "within {} ms; closed", name, LogText.escape(c.getEndPoint().getRemoteSocketAddress()),
                        TimeUnit.NANOSECONDS.toMillis(limit));
                c.close();
            }
        }
    }
}
