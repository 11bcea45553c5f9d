package org.tinyphone.server.stream;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Real time for every player ({@link Player.Ticker#SYSTEM}): one platform thread wakes the players whose time has come.
 * A player's own timed sleep made the JDK's virtual-thread timer thread wake once per player and frame (a fifth of the
 * server's CPU at 200 streams); here the players wait without a timer, and the clock wakes at most once per
 * {@link #GRID}, for all that are due, and not at all while no player waits. A player is woken up to one grid step after
 * its deadline, well inside the {@link Player#LEAD}.
 */
final class PlayerClock implements Player.Ticker {
    /** How finely the clock wakes players. */
    static final long GRID = 5_000_000L;

    /** One player waiting for its deadline. */
    private static final class Waiter {
        final Thread thread;
        final long deadline;
        volatile boolean gone; // woken by something else (an interrupt): the clock drops it

        Waiter(Thread thread, long deadline) {
            this.thread = thread;
            this.deadline = deadline;
        }
    }

    private final ConcurrentLinkedQueue<Waiter> waiting = new ConcurrentLinkedQueue<>();
    private final Thread clock;
    private volatile boolean idle;

    PlayerClock(String name) {
        clock = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void sleepUntil(long deadline) throws InterruptedException {
        if (System.nanoTime() - deadline >= 0) return;
        Waiter w = new Waiter(Thread.currentThread(), deadline);
        waiting.add(w);
        if (idle) LockSupport.unpark(clock); // read after the add, as the clock sets idle before it looks: one of us sees it
        try {
            while (System.nanoTime() - deadline < 0) {
                LockSupport.park(this); // woken by the clock when due (or spuriously: then the loop looks again)
                if (Thread.interrupted()) throw new InterruptedException();
            }
        } finally {
            w.gone = true;
        }
    }

    private void run() {
        while (true) {
            if (waiting.isEmpty()) {
                idle = true;
                if (waiting.isEmpty()) LockSupport.park(this);
                idle = false;
                continue;
            }
            long now = System.nanoTime();
            long earliest = now + GRID;
            for (Iterator<Waiter> it = waiting.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.gone) {
                    it.remove();
                } else if (now - w.deadline >= 0) {
                    it.remove();
                    LockSupport.unpark(w.thread);
                } else if (w.deadline - earliest < 0) {
                    earliest = w.deadline;
                }
            }
            // until the grid point at or after the next deadline (the players due in one grid step are woken together),
            // at most one step: a player that came meanwhile waits no longer than that
            long r = Math.floorMod(earliest, GRID);
            long wake = r == 0 ? earliest : earliest - r + GRID;
            LockSupport.parkNanos(this, Math.max(0, Math.min(wake - now, GRID)));
        }
    }
}
