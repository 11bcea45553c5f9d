package org.tinyphone.net;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Keeps a flood from writing an unbounded log: per key (e.g. "relay accept failed") at most {@code lines} lines in
 * each window of time; the lines after that are left out and counted, and the next line of that key, in a later
 * window, is preceded by one summary ("relay accept failed: 12345 similar line(s) left out in the last 10 s"). So
 * however hard a listener is hammered, each key writes at most {@code lines + 1} lines a window.
 *
 * <p>Keys should be a small fixed set (one per kind of message, not per peer); past {@value #MAX_KEYS} keys, new
 * ones share one budget.
 */
public final class LogLimiter {
    /** The most distinct keys tracked; more share the key {@value #OVERFLOW_KEY}. */
    public static final int MAX_KEYS = 256;
    static final String OVERFLOW_KEY = "(other)";

    private final int lines;
    private final long windowNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** At most {@code lines} lines per key in each {@code window}. */
    public LogLimiter(int lines, Duration window) {
        this(lines, window, System::nanoTime);
    }

    LogLimiter(int lines, Duration window, LongSupplier nanoClock) {
        if (lines < 1) throw new IllegalArgumentException("lines must be at least 1: " + lines);
        if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("window must be positive: " + window);
        this.lines = lines;
        this.windowNanos = window.toNanos();
        this.nanoClock = Objects.requireNonNull(nanoClock);
    }

    /** Logs at WARN unless this key used up its window; see the class comment. */
    public void warn(Logger log, String key, String format, Object... args) {
        log(log, Level.WARN, key, format, args);
    }

    /** Logs at INFO unless this key used up its window. */
    public void info(Logger log, String key, String format, Object... args) {
        log(log, Level.INFO, key, format, args);
    }

    /**
     * Logs at {@code level} unless this key used up its window. As with slf4j, a Throwable as the last argument is
     * logged as the line's cause (with its stack trace); a null last argument stands for "no cause" and is dropped.
     */
    public void log(Logger log, Level level, String key, String format, Object... args) {
        if (!log.isEnabledForLevel(level)) return;
        Decision d = decide(key);
        if (d.leftOut > 0) {
            log.atLevel(level).log("{}: {} similar line(s) left out in the last {} s", key, d.leftOut, d.seconds);
        }
        if (!d.write) return;
        LoggingEventBuilder line = log.atLevel(level);
        Object[] a = args;
        if (a.length > 0 && (a[a.length - 1] == null || a[a.length - 1] instanceof Throwable)) {
            if (a[a.length - 1] instanceof Throwable t) line = line.setCause(t);
            a = Arrays.copyOf(a, a.length - 1);
        }
        line.log(format, a);
    }

    record Decision(boolean write, long leftOut, long seconds) {}

    Decision decide(String key) {
        Window w = window(key);
        long now = nanoClock.getAsLong();
        w.lock.lock();
        try {
            long leftOut = 0;
            long seconds = 0;
            if (now - w.start >= windowNanos || !w.started) {
                leftOut = w.leftOut;
                seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(now - w.start));
                w.started = true;
                w.start = now;
                w.written = 0;
                w.leftOut = 0;
            }
            if (w.written < lines) {
                w.written++;
                return new Decision(true, leftOut, seconds);
            }
            w.leftOut++;
            return new Decision(false, leftOut, seconds);
        } finally {
            w.lock.unlock();
        }
    }

    private Window window(String key) {
        Window w = windows.get(key);
        if (w != null) return w;
        if (windows.size() >= MAX_KEYS) return windows.computeIfAbsent(OVERFLOW_KEY, k -> new Window());
        return windows.computeIfAbsent(key, k -> new Window());
    }

    private static final class Window {
        final ReentrantLock lock = new ReentrantLock();
        boolean started; // guarded by lock
        long start;      // guarded by lock
        int written;     // guarded by lock
        long leftOut;    // guarded by lock
    }
}
