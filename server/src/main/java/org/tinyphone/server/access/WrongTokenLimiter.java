package org.tinyphone.server.access;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Makes guessing tokens useless: an address that gave {@value #MAX_FAILURES} wrong tokens within a minute is refused
 * every token for the rest of that minute, without the token being looked at. Counts are kept for the most recent
 * {@value #MAX_ADDRESSES} addresses only, so a flood of addresses cannot grow the table.
 */
public final class WrongTokenLimiter {
    /** Wrong tokens one address may give per minute. */
    public static final int MAX_FAILURES = 20;
    static final int MAX_ADDRESSES = 10_000;
    private static final long WINDOW_NANOS = 60_000_000_000L;

    private record Window(long start, int failures) {}

    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<InetAddress, Window> windows = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Window> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    public WrongTokenLimiter() {
        this(System::nanoTime);
    }

    WrongTokenLimiter(LongSupplier clock) {
        this.clock = clock;
    }

    /** Whether a token from {@code address} may be checked now (false: it gave too many wrong ones lately). */
    public boolean mayTry(InetAddress address) {
        if (address == null) return true;
        lock.lock();
        try {
            Window w = windows.get(address);
            return w == null || clock.getAsLong() - w.start() >= WINDOW_NANOS || w.failures() < MAX_FAILURES;
        } finally {
            lock.unlock();
        }
    }

    /** {@code address} gave a wrong token. */
    public void failed(InetAddress address) {
        if (address == null) return;
        lock.lock();
        try {
            long now = clock.getAsLong();
            Window w = windows.get(address);
            windows.put(address, w == null || now - w.start() >= WINDOW_NANOS ? new Window(now, 1)
                    : new Window(w.start(), w.failures() + 1));
        } finally {
            lock.unlock();
        }
    }
}
