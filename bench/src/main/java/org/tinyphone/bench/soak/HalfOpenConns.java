package org.tinyphone.bench.soak;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connections {@link MaliciousClient} leaves half-open (TCP and HTTP): at most {@link #MAX} at once, noted when
 * the server closes them, closed by us after {@link #HOLD_NANOS}; what became of them, by kind.
 */
final class HalfOpenConns {
    static final int MAX = 16;
    private static final long HOLD_NANOS = 90_000_000_000L;

    private record HalfOpen(RawConn conn, long opened, String kind) {}

    private final List<HalfOpen> halfOpen = new ArrayList<>();
    final AtomicLong opened = new AtomicLong();
    final AtomicLong closedByServer = new AtomicLong();
    final AtomicLong closedByUs = new AtomicLong();
    /** Per kind of half-open connection: {opened, closed by the server, seconds they lasted until then (sum)}. */
    private final Map<String, long[]> kinds = new TreeMap<>(); // guarded by halfOpen

    /** Whether there is no room for one more. */
    boolean full() {
        synchronized (halfOpen) {
            return halfOpen.size() >= MAX;
        }
    }

    /** Holds {@code c}, a connection of kind {@code kind} just left half-open. */
    void hold(RawConn c, String kind) {
        opened.incrementAndGet();
        synchronized (halfOpen) {
            halfOpen.add(new HalfOpen(c, System.nanoTime(), kind));
            kinds.computeIfAbsent(kind, x -> new long[3])[0]++;
        }
    }

    /** Notes those the server closed, closes those held long enough. */
    void tend() {
        synchronized (halfOpen) {
            for (Iterator<HalfOpen> it = halfOpen.iterator(); it.hasNext(); ) {
                HalfOpen h = it.next();
                boolean closed;
                try {
                    closed = h.conn().closedWithin(1);
                } catch (IOException e) {
                    closed = true;
                }
                if (closed) {
                    closedByServer.incrementAndGet();
                    long[] k = kinds.get(h.kind());
                    k[1]++;
                    k[2] += (System.nanoTime() - h.opened()) / 1_000_000_000L;
                    h.conn().close();
                    it.remove();
                } else if (System.nanoTime() - h.opened() > HOLD_NANOS) {
                    closedByUs.incrementAndGet();
                    h.conn().close();
                    it.remove();
                }
            }
        }
    }

    /** Closes every one still held. */
    void closeAll() {
        synchronized (halfOpen) {
            for (HalfOpen h : halfOpen) {
                h.conn().close();
                closedByUs.incrementAndGet();
            }
            halfOpen.clear();
        }
    }

    /** What became of them, by kind: "12003 silent: 12 opened, 12 closed by the server after 30 s on average". */
    String summary() {
        StringBuilder b = new StringBuilder();
        synchronized (halfOpen) {
            kinds.forEach((k, v) -> b.append(b.isEmpty() ? "" : "; ").append(k).append(": ").append(v[0])
                    .append(" opened, ").append(v[1]).append(" closed by the server")
                    .append(v[1] == 0 ? "" : " after " + Math.round((double) v[2] / v[1]) + " s on average"));
        }
        return b.toString();
    }
}
