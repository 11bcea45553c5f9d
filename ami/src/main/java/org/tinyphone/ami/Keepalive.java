package org.tinyphone.ami;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Pings the logged-in session every {@code keepAlive} (never before Login: it skips a turn while not logged in). A
 * Ping left unanswered for the action timeout ends the session, which the {@link Supervisor} then treats as lost.
 * One virtual thread, started with the first connect and running until close.
 */
final class Keepalive {
    private final Supervisor supervisor;
    private final ManagerConfig cfg;
    private final Supervisor.Clock clock;
    private final Supplier<String> ids;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Thread thread;

    Keepalive(Supervisor supervisor, ManagerConfig cfg, Supervisor.Clock clock, Supplier<String> ids) {
        this.supervisor = supervisor;
        this.cfg = cfg;
        this.clock = clock;
        this.ids = ids;
    }

    /** Starts the thread unless it runs already or keepalive is off (zero). */
    void start() {
        if (cfg.keepAlive().isZero() || cfg.keepAlive().isNegative()) return;
        lock.lock();
        try {
            if (thread != null && thread.isAlive()) return;
            thread = Thread.ofVirtual().name("ami-keepalive-" + cfg.address()).start(this::loop);
        } finally {
            lock.unlock();
        }
    }

    void stop() {
        Thread t = thread;
        if (t != null) t.interrupt();
    }

    private void loop() {
        while (!supervisor.closing()) {
            try {
                clock.sleep(cfg.keepAlive());
            } catch (InterruptedException e) {
                return;
            }
            Session s = supervisor.loggedIn();
            if (s == null || supervisor.closing()) continue;   // never Ping before Login
            try {
                s.send(AmiAction.of("Ping"), cfg.actionTimeout(), ids.get()).get();
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AmiException.Timeout && !supervisor.closing()) {
                    s.end("keepalive Ping got no reply within " + cfg.actionTimeout().toMillis() + " ms");
                }
            }
        }
    }
}
