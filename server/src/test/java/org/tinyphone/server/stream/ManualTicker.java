package org.tinyphone.server.stream;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Time that moves only when the test says: a player's 20 ms ticks can be counted exactly. */
final class ManualTicker implements Player.Ticker {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition moved = lock.newCondition();
    private long now = 1_000_000_000L;
    private int parked; // threads waiting for a deadline still ahead

    @Override
    public long nanoTime() {
        lock.lock();
        try {
            return now;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void sleepUntil(long deadline) throws InterruptedException {
        lock.lock();
        try {
            while (now - deadline < 0) {
                parked++;
                try {
                    moved.await();
                } finally {
                    parked--;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Moves time on by {@code millis}. */
    void advance(long millis) {
        lock.lock();
        try {
            now += millis * 1_000_000L;
            moved.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a thread waits for a deadline that has not come yet. */
    boolean parked() {
        lock.lock();
        try {
            return parked > 0;
        } finally {
            lock.unlock();
        }
    }
}
