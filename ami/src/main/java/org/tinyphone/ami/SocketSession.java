package org.tinyphone.ami;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.ami.PendingActions.Pending;
import org.tinyphone.ami.codec.AmiDecoder;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * One TCP connection to Asterisk: the reader (a virtual thread feeding the decoder), the writer lock, and the
 * actions waiting for a reply on it ({@link PendingActions}). The reader hands each message on: responses and
 * list events to the pending actions, other events to the {@link EventDispatch}.
 */
final class SocketSession implements Session, AmiDecoder.Listener {
    private static final Logger log = LoggerFactory.getLogger(ManagerConnection.class);   // the logger users configure

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String where;
    private final EventDispatch events;
    private final PendingActions pending;
    private final Consumer<String> onEnd;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final CompletableFuture<String> banner = new CompletableFuture<>();
    private final AmiDecoder decoder;
    private volatile boolean dead;
    private long ignored;   // reader thread only
    private long errors;    // reader thread only

    private SocketSession(Socket socket, ManagerConfig cfg, EventDispatch events, Executor completer, Consumer<String> onEnd)
            throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = socket.getInputStream();
        this.where = cfg.address();
        this.events = events;
        this.pending = new PendingActions(where, completer);
        this.onEnd = onEnd;
        this.decoder = new AmiDecoder(true, cfg.maxLine(), cfg.maxMessage());
    }

    /** Connects, starts the reader and waits (at most the connect timeout) for the banner. */
    static SocketSession open(ManagerConfig cfg, EventDispatch events, Executor completer, Consumer<String> onEnd) {
        String where = cfg.address();
        long timeout = cfg.connectTimeout().toMillis();
        Socket socket = new Socket();
        SocketSession s;
        try {
            socket.connect(new InetSocketAddress(cfg.host(), cfg.port()), (int) timeout);
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            s = new SocketSession(socket, cfg, events, completer, onEnd);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new AmiException.ConnectionLost("cannot connect to Asterisk AMI at " + where + ": " + e.getMessage(), e);
        }
        Thread.ofVirtual().name("ami-reader-" + where).start(s::readLoop);
        try {
            s.banner.get(timeout, TimeUnit.MILLISECONDS);
            return s;
        } catch (TimeoutException e) {
            s.end("no AMI banner");
            throw new AmiException.ConnectionLost("no 'Asterisk Call Manager/x.y.z' banner from " + where + " within " + timeout + " ms");
        } catch (ExecutionException e) {
            s.end("no AMI banner");
            throw new AmiException.ConnectionLost("connection to " + where + " ended before the AMI banner: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            s.end("interrupted");
            Thread.currentThread().interrupt();
            throw new AmiException.ConnectionLost("interrupted while connecting to " + where);
        }
    }

    @Override
    public String banner() { return banner.getNow(null); }

    private void readLoop() {
        byte[] buf = new byte[32 * 1024];
        String reason = "connection closed by Asterisk (EOF)";
        CarrierShare share = new CarrierShare();
        try {
            while (true) {
                long start = System.nanoTime();
                int n = in.read(buf);
                if (n < 0) break;
                share.returnedFrom(start);
                if (n > 0) {
                    decoder.feed(buf, 0, n, this);
                    // Virtual threads are not time-sliced: while Asterisk keeps sending, read() never parks, so
                    // on a single carrier the listeners would never run. Let them have the carrier.
                    if (events.backlog()) Thread.yield();
                    // ... and now and then everything else too: completions of actions, timers, other sockets
                    share.between();
                }
            }
        } catch (IOException e) {
            reason = dead ? "closed" : "read failed: " + e.getMessage();
        } catch (RuntimeException | Error e) {
            reason = "reader failed: " + e;
            log.error("AMI reader for {} failed", where, e);
        }
        end(reason);
    }

    @Override
    public void onBanner(String line) { banner.complete(line); }

    @Override
    public void onError(String problem) {
        long n = ++errors;
        if (n <= 10 || n % 1000 == 0) log.warn("AMI from {}: {} (the connection goes on; {} so far)", where, problem, n);
    }

    @Override
    public void onMessage(AmiMessage m) {
        if (!banner.isDone()) banner.complete(null);
        if (m.isResponse()) {
            pending.onResponse(m);
        } else if (m.isEvent()) {
            if (!pending.collect(m)) events.dispatch(m);
        } else {
            long n = ++ignored;
            if (n == 1 || n % 1000 == 0) {
                log.warn("AMI from {}: ignored {} message(s) that are neither a response nor an event, e.g. '{}'", where, n,
                        printable(m.isBare(0) ? m.value(0) : m.key(0) + ": " + m.value(0)));
            }
        }
    }

    @Override
    public CompletableFuture<AmiResponse> send(AmiAction action, Duration timeout, String id) {
        CompletableFuture<AmiResponse> f = new CompletableFuture<>();
        if (dead) {
            f.completeExceptionally(new AmiException.ConnectionLost("connection to " + where + " is gone; " + action + " not sent"));
            return f;
        }
        byte[] bytes;
        try {
            bytes = action.encode(id);
        } catch (IllegalArgumentException e) {
            f.completeExceptionally(e);
            return f;
        }
        Pending p = pending.add(id, action.name(), f, timeout);
        if (p == null) {
            f.completeExceptionally(new IllegalArgumentException("ActionID " + id + " is already waiting for a response"));
            return f;
        }
        if (dead && pending.withdraw(p)) {     // ended between the check above and the add: fail now, not at timeout
            f.completeExceptionally(new AmiException.ConnectionLost("connection to " + where + " is gone; " + action + " not sent"));
            return f;
        }
        writeLock.lock();
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            end("write failed: " + e.getMessage());
        } finally {
            writeLock.unlock();
        }
        return f;
    }

    @Override
    public boolean loggedOff() { return pending.loggedOff(); }

    /** Idempotent: closes the socket, fails every pending action at once, tells the opener. */
    @Override
    public void end(String reason) {
        if (dead) return;
        dead = true;
        closeQuietly(socket);
        banner.completeExceptionally(new AmiException.ConnectionLost(reason));
        pending.failAll(reason);
        onEnd.accept(reason);
    }

    /** At most 80 characters, control and non-ASCII bytes shown as '?', for logging what a peer sent. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 83));
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (s.length() > 80) sb.append("...");
        return sb.toString();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
