package org.tinyphone.net;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Makes guessing secrets useless (the clients' tokens, the outbound ARI server's user and password): an address that
 * gave {@value #MAX_FAILURES} wrong ones within a minute is refused every one for the rest of that minute, without it
 * being looked at. Counts are kept for the most recent
 * {@value #MAX_ADDRESSES} addresses only, so a flood of addresses cannot grow the table.
 */
public final class WrongSecretLimiter {
    /** Wrong secrets one address may give per minute. */
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

    public WrongSecretLimiter() {
        this(System::nanoTime);
    }

    WrongSecretLimiter(LongSupplier clock) {
        this.clock = clock;
    }

    /** Whether a secret from {@code address} may be checked now (false: it gave too many wrong ones lately). */
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

    /** {@code address} gave a wrong secret. */
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
