package org.tinyphone.ami;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a connection logged in. Opens a session ({@link Session.Opener}) and logs in ({@link Login}), holds the
 * {@link ConnectionState} and the session in use, and decides what follows when a session ends: after the
 * application's close or Logoff, CLOSED; after a loss, LOST, then RECONNECTING with backoff (doubling, with
 * jitter) until logged in again, or CLOSED when reconnect is off; its {@link Keepalive} Pings while logged in. It
 * waits only through its {@link Clock}.
 *
 * <p>Threads: the application's ({@link #connect}, {@link #close}), a reconnect thread while one is needed, a
 * keepalive thread, and the reader of each session, which reports its end. {@link #lock} guards the fields so
 * marked; it is never held while calling out.
 */
final class Supervisor {
    private static final Logger log = LoggerFactory.getLogger(ManagerConnection.class);   // the logger users configure

    /** How the supervisor waits between reconnect attempts and keepalive Pings; interruptible. */
    @FunctionalInterface
    interface Clock {
        void sleep(Duration d) throws InterruptedException;

        Clock SYSTEM = d -> Thread.sleep(d.toMillis());
    }

    private final ManagerConfig cfg;
    private final String where;
    private final Session.Opener opener;
    private final Clock clock;
    private final Supplier<String> ids;
    private final Consumer<ConnectionState> onState;
    private final BiConsumer<Session, String> onEnd;
    private final List<String> filters = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stateChanged = lock.newCondition();
    private final Keepalive keepalive;

    private volatile String eventMask;
    private volatile ConnectionState state;
    private volatile Session current;
    private volatile boolean closing;
    private volatile boolean closeCalled;
    private volatile String banner;
    private volatile Thread reconnector;
    private boolean reconnecting;      // guarded by lock
    private boolean reconnectPending;  // guarded by lock

    /**
     * @param onState told of every state change, in order
     * @param onEnd   told of every session's end, with the reason, before anything else follows (the session is
     *                null if it ended while being opened)
     */
    Supervisor(ManagerConfig cfg, Session.Opener opener, Clock clock, Supplier<String> ids,
               Consumer<ConnectionState> onState, BiConsumer<Session, String> onEnd) {
        this.cfg = cfg;
        this.where = cfg.address();
        this.opener = opener;
        this.clock = clock;
        this.ids = ids;
        this.onState = onState;
        this.onEnd = onEnd;
        this.eventMask = cfg.events();
        this.keepalive = new Keepalive(this, cfg, clock, ids);
    }

    /** See {@link ManagerConnection#connect()}. */
    void connect() {
        if (closing) throw new IllegalStateException("connection was closed");
        if (current != null) return;
        try {
            openSession();
        } catch (RuntimeException e) {
            if (cfg.reconnect() && !closing && !(e instanceof AmiException.AuthenticationFailed) && cfg.retryFirstConnect()) {
                startReconnect("first connect failed: " + e.getMessage());
                return;
            }
            throw e;
        }
        keepalive.start();
    }

    ConnectionState state() { return state; }

    /** The session to send on, or null when not logged in. */
    Session loggedIn() {
        Session s = current;
        return s == null || state != ConnectionState.LOGGED_IN ? null : s;
    }

    String banner() { return banner; }

    /** Closed or closing: nothing more is opened. */
    boolean closing() { return closing; }

    /** Sent as {@code Events:} at every later Login. */
    void eventMask(String mask) { eventMask = mask; }

    /** Added again after every later Login. */
    void addFilter(String filter) { filters.add(filter); }

    boolean awaitState(ConnectionState wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (state != wanted) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                stateChanged.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Stops reconnecting, logs off (waits briefly for Goodbye), ends the session: CLOSED. False if called before. */
    boolean close() {
        if (closeCalled) return false;
        closeCalled = true;
        closing = true;
        Thread r = reconnector;
        if (r != null) r.interrupt();
        keepalive.stop();
        Session s = current;
        if (s != null && state == ConnectionState.LOGGED_IN) {
            try {
                s.send(AmiAction.of("Logoff"), Duration.ofSeconds(2), ids.get()).get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.debug("Logoff to {} not acknowledged: {}", where, e.toString());
            }
        }
        if (s != null) s.end("connection closed by the application");
        setState(ConnectionState.CLOSED);
        return true;
    }

    private void setState(ConnectionState s) {
        lock.lock();
        try {
            if (state == ConnectionState.CLOSED) return;
            if (state == s) return;
            state = s;
            stateChanged.signalAll();
        } finally {
            lock.unlock();
        }
        log.debug("AMI {} {}", where, s);
        onState.accept(s);
    }

    /** One session from open to end; its end may come before the opener has returned it. */
    private final class Attempt {
        volatile Session session;    // once opened
        boolean established;         // guarded by lock: logged in and in use
        boolean endedEarly;          // guarded by lock: ended before that
        String endReason;            // guarded by lock

        void ended(String reason) { sessionEnded(this, reason); }
    }

    private void openSession() {
        Attempt a = new Attempt();
        Session s = opener.open(a::ended);
        a.session = s;
        banner = s.banner();
        setState(ConnectionState.CONNECTED);
        try {
            Login.run(s, cfg, eventMask, filters, ids);
        } catch (RuntimeException e) {
            s.end("login failed");
            throw e;
        }
        if (closing) {                       // close() ran while we were logging in: do not leave a session behind
            s.end("connection closed by the application");
            throw new AmiException.ConnectionLost("connection to " + where + " closed while logging in");
        }
        current = s;
        setState(ConnectionState.LOGGED_IN);
        log.info("AMI logged in to {} as '{}' ({})", where, cfg.username(), banner);
        boolean endedAlready;
        String reason;
        lock.lock();
        try {
            a.established = true;
            endedAlready = a.endedEarly;
            reason = a.endReason;
        } finally {
            lock.unlock();
        }
        if (endedAlready) connectionGone(s, reason);   // e.g. Shutdown right after login: logged in, then lost
    }

    private void sessionEnded(Attempt a, String reason) {
        Session s = a.session;
        if (s != null && current == s) current = null;
        onEnd.accept(s, reason);
        if (closing) return;
        if (s != null && s.loggedOff()) {     // the application sent Logoff: Asterisk said Goodbye and closed
            log.info("AMI {} logged off", where);
            closing = true;
            setState(ConnectionState.CLOSED);
            return;
        }
        lock.lock();
        try {
            if (!a.established) {             // still being opened: openSession reports it
                a.endedEarly = true;
                a.endReason = reason;
                return;
            }
        } finally {
            lock.unlock();
        }
        connectionGone(s, reason);
    }

    private void connectionGone(Session s, String reason) {
        if (current == s) current = null;
        log.warn("AMI connection to {} lost: {}", where, reason);
        setState(ConnectionState.LOST);
        if (cfg.reconnect()) startReconnect(reason);
        else {
            closing = true;
            setState(ConnectionState.CLOSED);
        }
    }

    private void startReconnect(String reason) {
        lock.lock();
        try {
            if (closing) return;
            reconnectPending = true;
            if (reconnecting) return;
            reconnecting = true;
            reconnector = Thread.ofVirtual().name("ami-reconnect-" + where).start(this::reconnectLoop);
        } finally {
            lock.unlock();
        }
        keepalive.start();
    }

    private void reconnectLoop() {
        while (true) {
            lock.lock();
            try {
                if (closing || !reconnectPending) {
                    reconnecting = false;
                    return;
                }
                reconnectPending = false;
            } finally {
                lock.unlock();
            }
            if (!reconnectUntilLoggedIn()) {
                lock.lock();
                reconnecting = false;
                lock.unlock();
                return;
            }
        }
    }

    private boolean reconnectUntilLoggedIn() {
        long backoff = cfg.reconnectInitial().toMillis();
        int attempt = 0;
        while (!closing) {
            setState(ConnectionState.RECONNECTING);
            attempt++;
            try {
                openSession();
                log.info("AMI reconnected to {} after {} attempt(s)", where, attempt);
                return true;
            } catch (RuntimeException e) {
                if (closing) return false;
                long wait = backoff + ThreadLocalRandom.current().nextLong(backoff / 4 + 1);
                log.warn("AMI reconnect to {} failed (attempt {}): {}; next try in {} ms", where, attempt, e.getMessage(), wait);
                try {
                    clock.sleep(Duration.ofMillis(wait));
                } catch (InterruptedException ie) {
                    return false;
                }
                backoff = Math.min(backoff * 2, cfg.reconnectMax().toMillis());
            }
        }
        return false;
    }
}
