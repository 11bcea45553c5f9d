package org.tinyphone.net;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one listener has seen since it started, for metrics: connections accepted and served, refused (by the
 * connection cap, by the allow-list, closed for missing their first-data deadline), accept errors (e.g. out of
 * file descriptors), and connections open now. Thread-safe; reading is cheap.
 */
public final class ListenerStats {
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refusedByCap = new LongAdder();
    private final LongAdder refusedByAllowList = new LongAdder();
    private final LongAdder refusedByAddressLimit = new LongAdder();
    private final LongAdder closedByDeadline = new LongAdder();
    private final LongAdder acceptErrors = new LongAdder();
    private final AtomicInteger open = new AtomicInteger();

    /** Connections handed to the listener's handler. */
    public long accepted() { return accepted.sum(); }

    /** Connections closed at once because the cap was reached. */
    public long refusedByCap() { return refusedByCap.sum(); }

    /** Connections closed at once because the peer is not on the allow-list. */
    public long refusedByAllowList() { return refusedByAllowList.sum(); }

    /** Connections closed at once because their address had its share of connections open already. */
    public long refusedByAddressLimit() { return refusedByAddressLimit.sum(); }

    /** Connections closed because they did not say who they are in time (first line, headers, environment). */
    public long closedByDeadline() { return closedByDeadline.sum(); }

    /** Failed accepts (out of file descriptors, out of memory, …); each was retried after a pause. */
    public long acceptErrors() { return acceptErrors.sum(); }

    /** Connections open now. */
    public int open() { return open.get(); }

    // the counting side: the accept loop calls these, and so do listeners with their own loop (Jetty's)

    /** A connection was handed to the handler; call {@link #connectionClosed()} when it ends. */
    public void countAccepted() {
        accepted.increment();
        open.incrementAndGet();
    }

    /** An open connection ended. */
    public void connectionClosed() { open.decrementAndGet(); }

    public void countRefusedByCap() { refusedByCap.increment(); }

    public void countRefusedByAllowList() { refusedByAllowList.increment(); }

    public void countRefusedByAddressLimit() { refusedByAddressLimit.increment(); }

    /** A connection the listener's protocol closed for missing its deadline. */
    public void countDeadlineMissed() { closedByDeadline.increment(); }

    public void countAcceptError() { acceptErrors.increment(); }

    @Override
    public String toString() {
        return "accepted " + accepted() + ", open " + open() + ", refused (cap " + refusedByCap() + ", allow-list "
                + refusedByAllowList() + ", per address " + refusedByAddressLimit() + ", deadline " + closedByDeadline() + "), accept errors " + acceptErrors();
    }
}
