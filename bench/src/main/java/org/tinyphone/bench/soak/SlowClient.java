package org.tinyphone.bench.soak;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * A client that subscribes and then reads very slowly or not at all, over and over: each cycle connects with a
 * small receive buffer in one dialect (native TCP, WebSocket, the original dialect, in turn), subscribes (to every
 * number where the dialect allows it), and then either reads nothing ({@code stalled}) or 256 bytes a second
 * ({@code trickle}) until the server has dropped it. The server's overload counter says when that happened; the
 * client then reads what is left at full speed to its end, to see the connection closed and whether the reason
 * reached it. A cycle the server has not ended after the longest cycle given is counted as not dropped.
 */
final class SlowClient implements Runnable {
    private static final String[] DIALECTS = {"tcp", "websocket", "legacy"};
    private static final String[] MODES = {"stalled", "trickle"};

    private final int clientsPort;
    private final int httpPort;
    private final String originalNumber;
    private final DoubleSupplier overloadDisconnects;
    private final long maxCycleNanos;
    private volatile boolean stopped;
    private volatile Thread thread;
    final AtomicLong cycles = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong reasonInBand = new AtomicLong();
    final AtomicLong notDropped = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    private final List<String> log = new ArrayList<>(); // guarded by itself
    private final AtomicLong dropSecondsTotal = new AtomicLong();

    /**
     * @param overloadDisconnects the server's count of clients it dropped for being too slow (NaN: unknown now)
     */
    SlowClient(int clientsPort, int httpPort, String originalNumber, DoubleSupplier overloadDisconnects, long maxCycleNanos) {
        this.clientsPort = clientsPort;
        this.httpPort = httpPort;
        this.originalNumber = originalNumber;
        this.overloadDisconnects = overloadDisconnects;
        this.maxCycleNanos = maxCycleNanos;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        for (int i = 0; !stopped; i++) {
            String dialect = DIALECTS[i % 3], mode = MODES[(i / 3) % 2];
            try {
                cycle(dialect, mode);
            } catch (IOException e) {
                if (stopped) break;
                failures.incrementAndGet();
                note(dialect + " " + mode + ": " + e);
            } catch (InterruptedException e) {
                break;
            }
            if (!stopped) sleep(2000);
        }
    }

    void stop() {
        stopped = true;
        Thread t = thread;
        if (t != null) t.interrupt();
    }

    /** A line per cycle (the first ones). */
    List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** Mean seconds from subscribing to being dropped. */
    double meanSecondsToDrop() {
        long d = dropped.get();
        return d == 0 ? 0 : (double) dropSecondsTotal.get() / d;
    }

    private void cycle(String dialect, String mode) throws IOException, InterruptedException {
        double before = overloadDisconnects.getAsDouble();
        try (RawConn c = RawConn.open(dialect.equals("websocket") ? httpPort : clientsPort, 4096)) {
            switch (dialect) {
                case "websocket" -> {
                    c.upgrade(httpPort, null);
                    String status = c.readResponseHead(5000);
                    if (status == null || !status.contains(" 101 ")) throw new IOException("WebSocket upgrade answered " + status);
                    c.send(RawConn.text("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":\"slow\"}"));
                }
                case "tcp" -> c.send("{\"type\":\"subscribe\",\"number\":\"*\",\"id\":\"slow\"}\n");
                default -> c.send("CONNECT,soak-slow," + originalNumber + ",NULL\n");
            }
            cycles.incrementAndGet();
            long start = System.nanoTime();
            byte[] sip = new byte[256];
            boolean closedEarly = false;
            long nextCheck = 0;
            while (!stopped && System.nanoTime() - start < maxCycleNanos) {
                if (mode.equals("trickle")) {
                    c.socket.setSoTimeout(1000);
                    try {
                        if (c.in.read(sip) < 0) {
                            closedEarly = true;
                            break;
                        }
                    } catch (SocketTimeoutException e) {
                        // nothing this second
                    } catch (IOException e) {
                        closedEarly = true;
                        break;
                    }
                    Thread.sleep(1000);
                } else {
                    Thread.sleep(1000);
                }
                if (System.nanoTime() > nextCheck) {
                    nextCheck = System.nanoTime() + 2_000_000_000L;
                    double now = overloadDisconnects.getAsDouble(); // NaN when /metrics did not answer
                    if (Double.isNaN(before)) before = now;
                    else if (now > before) break;
                }
            }
            if (stopped) return;
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            Drain d = closedEarly ? new Drain(true, false) : drain(c);
            String how = dialect + " " + mode;
            if (d.closed()) {
                dropped.incrementAndGet();
                dropSecondsTotal.addAndGet(seconds);
                if (d.reason()) reasonInBand.incrementAndGet();
                note(String.format(Locale.ROOT, "%s: dropped after %d s%s", how, seconds, d.reason() ? ", told why" : ""));
            } else {
                notDropped.incrementAndGet();
                note(String.format(Locale.ROOT, "%s: NOT dropped after %d s", how, seconds));
            }
        }
    }

    private record Drain(boolean closed, boolean reason) {}

    /** Reads everything at full speed until the server's close (at most 60 s); looks for the reason near the end. */
    private static Drain drain(RawConn c) throws IOException {
        byte[] buf = new byte[65536];
        byte[] tail = new byte[0];
        long deadline = System.nanoTime() + 60_000_000_000L;
        c.socket.setSoTimeout(5000);
        while (System.nanoTime() < deadline) {
            int n;
            try {
                n = c.in.read(buf);
            } catch (SocketTimeoutException e) {
                // still connected, nothing more: not dropped, unless the server said so in-band and now waits for
                // the closing handshake (a WebSocket close frame with the reason, answered by nobody here)
                boolean told = hasReason(tail);
                return new Drain(told, told);
            } catch (IOException e) {
                return new Drain(true, hasReason(tail));
            }
            if (n < 0) return new Drain(true, hasReason(tail));
            byte[] joined = new byte[Math.min(4096, tail.length + n)];
            int fromTail = joined.length - Math.min(n, joined.length);
            System.arraycopy(tail, tail.length - fromTail, joined, 0, fromTail);
            System.arraycopy(buf, n - (joined.length - fromTail), joined, fromTail, joined.length - fromTail);
            tail = joined;
        }
        boolean told = hasReason(tail);
        return new Drain(told, told);
    }

    private static boolean hasReason(byte[] tail) {
        return new String(tail, StandardCharsets.ISO_8859_1).contains("too slow");
    }

    private void note(String line) {
        synchronized (log) {
            if (log.size() < 60) log.add(line);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
