package org.tinyphone.sim.call;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.tinyphone.sim.agi.SimulatedChannel;

/**
 * The caller's side of a simulated call in time: key {@code i} is pressed at {@code firstKey + i * keyGap} after the
 * start, and the caller hangs up {@code holdAfter} after the last key has been taken (so no key is lost to a server
 * that is slow to listen), or at once on {@link #hangUp()}. Thread-safe.
 */
final class KeyPad {
    /** {@link #awaitKey} result: no key within the time given. */
    static final int TIMEOUT = SimulatedChannel.TIMEOUT;
    /** {@link #awaitKey} result: the caller has hung up. */
    static final int HANGUP = SimulatedChannel.HANGUP;

    private static final long SAFETY_CAP_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final String keys;
    private final long firstKeyNanos;
    private final long gapNanos;
    private final long holdNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long start;
    private int taken;
    private long lastTaken;
    private boolean forcedHangup;

    KeyPad(SimulatedCall call) {
        this.keys = call.keys();
        this.firstKeyNanos = call.firstKey().toNanos();
        this.gapNanos = call.keyGap().toNanos();
        this.holdNanos = call.holdAfter().toNanos();
        start(System.nanoTime());
    }

    /** Restarts the clock (the call is answered now). */
    void start(long nowNanos) {
        lock.lock();
        try {
            start = nowNanos;
            lastTaken = nowNanos;
        } finally {
            lock.unlock();
        }
    }

    /** The caller hangs up now. */
    void hangUp() {
        lock.lock();
        try {
            forcedHangup = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isHungUp() {
        lock.lock();
        try {
            return hungUpAt(System.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    /** Keys pressed so far (taken by the server or sent). */
    String pressed() {
        lock.lock();
        try {
            return keys.substring(0, taken);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the next key for at most {@code maxMillis} ({@code < 0}: until the caller hangs up).
     * @return the key, {@link #TIMEOUT} or {@link #HANGUP}
     */
    int awaitKey(long maxMillis) throws InterruptedException {
        lock.lock();
        try {
            long now = System.nanoTime();
            long deadline = maxMillis < 0 ? Long.MAX_VALUE : now + TimeUnit.MILLISECONDS.toNanos(maxMillis);
            while (true) {
                if (hungUpAt(now)) {
                    return HANGUP;
                }
                if (taken < keys.length() && now - dueAt(taken) >= 0) {
                    return take(now);
                }
                long wake = Math.min(nextEventAt(), deadline);
                if (now - deadline >= 0) {
                    return TIMEOUT;
                }
                changed.awaitNanos(Math.max(1, wake - now));
                now = System.nanoTime();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The next key if it is due now (it is taken), else {@link #TIMEOUT}; {@link #HANGUP} once hung up. */
    int pollKey() {
        lock.lock();
        try {
            long now = System.nanoTime();
            if (hungUpAt(now)) {
                return HANGUP;
            }
            return taken < keys.length() && now - dueAt(taken) >= 0 ? take(now) : TIMEOUT;
        } finally {
            lock.unlock();
        }
    }

    /** {@link System#nanoTime()} of the next key or of the hangup, whichever comes first. */
    long nextEventAt() {
        lock.lock();
        try {
            long hangup = hangupAt();
            return taken < keys.length() ? Math.min(dueAt(taken), hangup) : hangup;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link System#nanoTime()} at which the caller hangs up as things stand (later while keys wait to be taken);
     * at once after {@link #hangUp()}.
     */
    long hangupAtNanos() {
        lock.lock();
        try {
            return forcedHangup ? System.nanoTime() : hangupAt();
        } finally {
            lock.unlock();
        }
    }

    private int take(long now) {
        char key = keys.charAt(taken++);
        lastTaken = now;
        return key;
    }

    private long dueAt(int index) {
        return start + firstKeyNanos + index * gapNanos;
    }

    private long hangupAt() {
        long cap = start + firstKeyNanos + keys.length() * gapNanos + holdNanos + SAFETY_CAP_NANOS;
        if (taken < keys.length()) {
            return cap;
        }
        long afterKeys = keys.isEmpty() ? start + firstKeyNanos + holdNanos : lastTaken + holdNanos;
        return Math.min(afterKeys, cap);
    }

    private boolean hungUpAt(long now) {
        return forcedHangup || now - hangupAt() >= 0;
    }
}
