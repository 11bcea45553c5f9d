package org.tinyphone.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The accept loop every Tinyphone listener uses, built to stay up under exhaustion:
 * <ul>
 *   <li>an optional peer allow-list, checked right at accept: a peer not on it is closed before a byte is read;</li>
 *   <li>a connection cap: a connection over it is closed at once; optionally also a cap per other host
 *       ({@link AddressLimit});</li>
 *   <li>accept errors of any kind (EMFILE/ENFILE when the process or the system is out of descriptors, out of
 *       memory, …) are retried after an exponential backoff (5 ms doubling to 1 s, reset by the next success), so
 *       the loop neither spins nor gives up, and the listener serves again by itself once descriptors free up;</li>
 *   <li>every refusal and error is counted ({@link #stats()}) and logged through a {@link LogLimiter}, so a flood
 *       writes a bounded log.</li>
 * </ul>
 * Each accepted connection runs the {@link Handler} on its own virtual thread; its socket is closed when the
 * handler returns. The loop itself runs on a virtual thread too.
 */
public final class GuardedAcceptor implements AutoCloseable {
    /** Serves one accepted connection on its own virtual thread; the socket is closed after it returns. */
    @FunctionalInterface
    public interface Handler {
        void serve(Socket socket) throws Exception;
    }

    private final String name;
    private final ServerSocket server;
    private final Handler handler;
    private final Predicate<InetAddress> allow;
    private final int maxConnections;
    private final AddressLimit perAddress;
    private final Logger log;
    private final LogLimiter limiter;
    private final ListenerStats stats = new ListenerStats();
    private final AcceptRetry retry;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final Thread.Builder connectionThreads;
    private final Thread acceptThread;
    private volatile boolean closing;

    private GuardedAcceptor(Builder b) {
        this.name = b.name;
        this.server = b.server;
        this.handler = b.handler;
        this.allow = b.allow;
        this.maxConnections = b.maxConnections;
        this.perAddress = b.perAddress;
        this.log = b.log != null ? b.log : LoggerFactory.getLogger(GuardedAcceptor.class);
        this.limiter = b.limiter != null ? b.limiter : new LogLimiter(5, Duration.ofSeconds(10));
        this.retry = new AcceptRetry(name, stats, log, limiter);
        this.connectionThreads = Thread.ofVirtual().name(b.threadPrefix, 1); // used by the accept thread only
        this.acceptThread = Thread.ofVirtual().name(name + "-accept").unstarted(this::acceptLoop);
    }

    /**
     * An acceptor for an already bound server socket (the caller binds it, so a bind failure is the caller's to
     * explain); {@code name} appears in log lines and thread names ("relay", "fastagi" …).
     */
    public static Builder builder(String name, ServerSocket bound, Handler handler) {
        return new Builder(name, bound, handler);
    }

    private GuardedAcceptor start() {
        acceptThread.start();
        return this;
    }

    /** Counters for metrics. */
    public ListenerStats stats() { return stats; }

    /** The bound port. */
    public int port() { return server.getLocalPort(); }

    /** Connections whose handler is running. */
    public int openConnections() { return stats.open(); }

    /** The connection cap. */
    public int maxConnections() { return maxConnections; }

    private void acceptLoop() {
        while (!closing) {
            Socket s;
            try {
                s = server.accept();
            } catch (Throwable e) { // IOException (EMFILE, ENFILE, ...) or an Error: never let the loop die
                if (closing || server.isClosed()) break;
                if (!pause(retry.failed(e))) break;
                continue;
            }
            try {
                retry.succeeded();
                admit(s);
            } catch (Throwable t) { // e.g. no memory for the connection's thread: that connection goes, the loop stays
                stats.countAcceptError();
                closeQuietly(s);
            }
        }
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false; // closing
        }
    }

    private void admit(Socket s) {
        InetAddress peer = s.getInetAddress();
        boolean allowed;
        try {
            allowed = allow.test(peer);
        } catch (RuntimeException e) {
            allowed = false;
            limiter.warn(log, name + " allow-list failed", "{}: allow-list check failed for {}: {}", name,
                    LogText.escape(peer), LogText.escape(e));
        }
        if (!allowed) {
            stats.countRefusedByAllowList();
            limiter.warn(log, name + " refused (allow-list)", "{}: connection from {} refused: address not allowed",
                    name, LogText.escape(peer == null ? null : peer.getHostAddress()));
            closeQuietly(s);
            return;
        }
        int now = stats.open();
        if (now >= maxConnections) {
            stats.countRefusedByCap();
            limiter.warn(log, name + " refused (cap)", "{}: connection from {} refused: {} connections open (limit {})",
                    name, LogText.escape(peer == null ? null : peer.getHostAddress()), now, maxConnections);
            closeQuietly(s);
            return;
        }
        if (!perAddress.tryTake(peer)) {
            stats.countRefusedByAddressLimit();
            limiter.warn(log, name + " refused (per address)", "{}: connection from {} refused: {} connections open "
                    + "from that address (limit {})", name, LogText.escape(peer.getHostAddress()), perAddress.max(),
                    perAddress.max());
            closeQuietly(s);
            return;
        }
        stats.countAccepted();
        open.add(s);
        try {
            connectionThreads.start(() -> serve(s));
        } catch (Throwable t) {
            ended(s);
            stats.countAcceptError();
            limiter.log(log, Level.ERROR, name + " no thread", "{}: could not start a thread for a connection: {}", name,
                    LogText.escape(t));
        }
    }

    private void serve(Socket s) {
        try {
            handler.serve(s);
        } catch (Throwable t) {
            if (!closing) { // an I/O error is the peer's doing: its message says enough; anything else is a bug
                limiter.warn(log, name + " connection failed", "{}: connection from {} failed: {}", name,
                        LogText.escape(s.getRemoteSocketAddress()), LogText.escape(t),
                        t instanceof java.io.IOException ? null : t);
            }
            if (t instanceof VirtualMachineError vme && !(t instanceof StackOverflowError)) {
                ended(s);
                throw vme;
            }
        }
        ended(s);
    }

    private void ended(Socket s) {
        closeQuietly(s);
        if (open.remove(s)) {
            perAddress.release(s.getInetAddress());
            stats.connectionClosed();
            if (stats.open() == 0) {
                lock.lock();
                try {
                    idle.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Stops accepting: closes the server socket (connections already open go on). */
    public void stopAccepting() {
        closing = true;
        closeQuietly(server);
        acceptThread.interrupt(); // out of a backoff pause
    }

    /** Waits until no connection is open, or the time is up; true if none is. */
    public boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (stats.open() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                idle.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return stats.open() == 0;
        } finally {
            lock.unlock();
        }
    }

    /** Closes every open connection (their handlers end on the resulting I/O error). */
    public void closeConnections() {
        for (Socket s : open) closeQuietly(s);
    }

    /** Blocks until the accept loop has ended (after {@link #stopAccepting()} or {@link #close()}). */
    public void join() throws InterruptedException {
        acceptThread.join();
    }

    /** Stops accepting and closes every open connection. */
    @Override
    public void close() {
        stopAccepting();
        closeConnections();
        try {
            acceptThread.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    /** Settings of a {@link GuardedAcceptor}; defaults: no cap, anyone allowed. */
    public static final class Builder {
        private final String name;
        private final ServerSocket server;
        private final Handler handler;
        private Predicate<InetAddress> allow = a -> true;
        private int maxConnections = Integer.MAX_VALUE;
        private AddressLimit perAddress = AddressLimit.none();
        private Logger log;
        private LogLimiter limiter;
        private String threadPrefix;

        private Builder(String name, ServerSocket server, Handler handler) {
            this.name = Objects.requireNonNull(name, "name");
            this.server = Objects.requireNonNull(server, "server");
            this.handler = Objects.requireNonNull(handler, "handler");
            if (!server.isBound()) throw new IllegalArgumentException(name + ": the server socket is not bound");
            this.threadPrefix = name + "-";
        }

        /** Which peers may connect; others are closed at accept, before a byte is read (default: anyone). */
        public Builder allowFrom(Predicate<InetAddress> allow) {
            this.allow = Objects.requireNonNull(allow, "allow");
            return this;
        }

        /** Connections open at once; one more is closed at once (default: no cap). */
        public Builder maxConnections(int max) {
            if (max < 1) throw new IllegalArgumentException(name + ": maxConnections must be at least 1: " + max);
            this.maxConnections = max;
            return this;
        }

        /**
         * At most {@code max} connections open at once from one other host (loopback peers are not limited), so one
         * host cannot fill the cap (default: no limit per address).
         */
        public Builder maxPerAddress(int max) {
            this.perAddress = new AddressLimit(max);
            return this;
        }

        /** The logger for refusals and accept errors (default: this class's). */
        public Builder logger(Logger log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /** The rate limit for those lines (default: 5 lines per kind per 10 s). */
        public Builder logLimiter(LogLimiter limiter) {
            this.limiter = Objects.requireNonNull(limiter, "limiter");
            return this;
        }

        /** Connection threads are named prefix + a number (default: the name and "-"). */
        public Builder threadPrefix(String prefix) {
            this.threadPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** Starts the accept loop. */
        public GuardedAcceptor start() {
            return new GuardedAcceptor(this).start();
        }
    }
}
