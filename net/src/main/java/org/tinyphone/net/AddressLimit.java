package org.tinyphone.net;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code max} open connections from one other host, so that one host cannot take a listener's whole
 * connection cap and shut everyone else out. Connections from this machine (loopback) are not counted: they are
 * limited by the cap alone. Thread-safe; an address is forgotten when its last connection closes.
 */
public final class AddressLimit {
    private final int max;
    private final ConcurrentHashMap<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();

    /** @param max connections one non-loopback address may have open at once (at least 1) */
    public AddressLimit(int max) {
        if (max < 1) throw new IllegalArgumentException("max must be at least 1: " + max);
        this.max = max;
    }

    /** No limit per address. */
    public static AddressLimit none() { return new AddressLimit(Integer.MAX_VALUE); }

    public int max() { return max; }

    /**
     * Counts a new connection from {@code peer}; false (and nothing counted) when that address already has
     * {@code max} open. Every true must be matched by one {@link #release}.
     */
    public boolean tryTake(InetAddress peer) {
        if (peer == null || peer.isLoopbackAddress() || max == Integer.MAX_VALUE) return true;
        boolean[] taken = {false};
        open.compute(peer, (a, n) -> {
            if (n == null) n = new AtomicInteger();
            if (n.get() < max) {
                n.incrementAndGet();
                taken[0] = true;
            }
            return n;
        });
        return taken[0];
    }

    /** A connection counted by {@link #tryTake} closed. */
    public void release(InetAddress peer) {
        if (peer == null || peer.isLoopbackAddress() || max == Integer.MAX_VALUE) return;
        open.computeIfPresent(peer, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** Connections open from {@code peer} that count against the limit. */
    public int open(InetAddress peer) {
        AtomicInteger n = open.get(peer);
        return n == null ? 0 : n.get();
    }
}
