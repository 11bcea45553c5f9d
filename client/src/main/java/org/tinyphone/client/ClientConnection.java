package org.tinyphone.client;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TinyphoneClient}'s connection, kept up: connect and subscribe again, read the JSON lines ({@link Wire}),
 * answer the requests waiting and pass events to the listener, reconnect with backoff. It owns the client's state.
 */
final class ClientConnection {
    private static final Logger log = LoggerFactory.getLogger(TinyphoneClient.class);   // the client's log, as before the split
    private static final int MAX_LINE = 1 << 20;

    /** What the client's builder set: where the server is, who listens, whether and how to reconnect, how long to wait. */
    record Settings(String host, int port, TinyphoneListener listener, boolean reconnect, Duration maxBackoff,
                    Duration requestTimeout) {}

    private final Settings cfg;
    private final Map<String, String> subscriptions = new LinkedHashMap<>(); // number -> token; guarded by lock
    private final Map<String, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
    private final AudioListeners audio = new AudioListeners();
    private final AtomicLong ids = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stateChanged = lock.newCondition();
    private Socket socket;        // guarded by lock
    private OutputStream out;     // guarded by lock (writes too)
    private volatile boolean closed;
    private volatile ConnectionState state = ConnectionState.LOST;

    ClientConnection(Settings cfg) {
        this.cfg = cfg;
    }

    /** Connects (blocking, at most 5 s) and starts the reading thread. */
    void connect() throws IOException {
        open();
        Thread.ofVirtual().name("tinyphone-client " + cfg.host() + ":" + cfg.port()).start(this::readLoop);
    }

    ConnectionState state() {
        return state;
    }

    /** See {@link TinyphoneClient#awaitConnected}. */
    boolean awaitConnected(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (state != ConnectionState.CONNECTED && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                stateChanged.awaitNanos(left);
            }
            return state == ConnectionState.CONNECTED;
        } finally {
            lock.unlock();
        }
    }

    /** Subscribes, and keeps the subscription for reconnects; completes with the snapshot. */
    CompletableFuture<Object> subscribe(String number, String token) {
        lock.lock();
        try {
            subscriptions.put(number, token);
        } finally {
            lock.unlock();
        }
        String id = nextId();
        return request(id, Wire.subscribe(id, number, token), Duration.ZERO);
    }

    CompletableFuture<Object> unsubscribe(String number) {
        lock.lock();
        try {
            subscriptions.remove(number);
        } finally {
            lock.unlock();
        }
        String id = nextId();
        return request(id, Wire.unsubscribe(id, number), Duration.ZERO);
    }

    /** The calls this client listens to. */
    AudioListeners audio() {
        return audio;
    }

    /** A command on a call; {@code expected} is how long it may take on top of the request timeout. */
    CompletableFuture<Object> command(String callId, String name, Map<String, Object> args, Duration expected) {
        String id = nextId();
        return request(id, Wire.command(id, callId, name, args), expected);
    }

    private String nextId() {
        return "r" + ids.incrementAndGet();
    }

    private CompletableFuture<Object> request(String id, String line, Duration expected) {
        CompletableFuture<Object> answer = new CompletableFuture<>();
        if (closed) {
            answer.completeExceptionally(new TinyphoneException("client is closed"));
            return answer;
        }
        pending.put(id, answer);
        answer.orTimeout(cfg.requestTimeout().plus(expected).toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, e) -> pending.remove(id));
        try {
            send(line);
        } catch (IOException e) {
            answer.completeExceptionally(new TinyphoneException("not connected: " + e.getMessage(), e));
        }
        return answer.exceptionallyCompose(e -> CompletableFuture.failedFuture(e instanceof TimeoutException
                ? new TinyphoneException("no answer from the server within " + cfg.requestTimeout().plus(expected))
                : e));
    }

    private void send(String line) throws IOException {
        lock.lock();
        try {
            if (out == null) {
                throw new IOException("connection lost, reconnecting");
            }
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } finally {
            lock.unlock();
        }
    }

    private void open() throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(cfg.host(), cfg.port()), 5000);
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot connect to the Tinyphone server at " + cfg.host() + ":" + cfg.port() + ": "
                    + e.getMessage(), e);
        }
        List<String> resubscribe = new ArrayList<>();
        lock.lock();
        try {
            socket = s;
            out = s.getOutputStream();
            for (Map.Entry<String, String> e : subscriptions.entrySet()) {
                String id = nextId();
                resubscribe.add(Wire.subscribe(id, e.getKey(), e.getValue()));
            }
            for (String line : resubscribe) {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            state = ConnectionState.CONNECTED;
            stateChanged.signalAll();
        } finally {
            lock.unlock();
        }
        notifyState(ConnectionState.CONNECTED, "connected to " + cfg.host() + ":" + cfg.port());
    }

    private void readLoop() {
        long backoff = 250;
        while (!closed) {
            Socket s;
            lock.lock();
            try {
                s = socket;
            } finally {
                lock.unlock();
            }
            String reason = "closed by the server";
            if (s != null) {
                try {
                    read(s);
                    backoff = 250;
                } catch (IOException e) {
                    reason = e.getMessage();
                }
                lost(s, reason);
            }
            if (closed || !cfg.reconnect()) {
                break;
            }
            state = ConnectionState.RECONNECTING;
            notifyState(ConnectionState.RECONNECTING, "next attempt in " + backoff + " ms");
            try {
                Thread.sleep(backoff);
                open();
            } catch (InterruptedException e) {
                break;
            } catch (IOException e) {
                log.debug("reconnect failed: {}", e.getMessage());
                backoff = Math.min(backoff * 2, cfg.maxBackoff().toMillis());
            }
        }
        state = ConnectionState.CLOSED;
        notifyState(ConnectionState.CLOSED, "closed");
    }

    private void read(Socket s) throws IOException {
        InputStreamReader in = new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8);
        char[] buf = new char[16384];
        StringBuilder line = new StringBuilder();
        int n;
        while ((n = in.read(buf)) >= 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    line.append(buf, start, i - start);
                    dispatch(line.toString());
                    line.setLength(0);
                    start = i + 1;
                }
            }
            line.append(buf, start, n - start);
            if (line.length() > MAX_LINE) {
                throw new IOException("line from the server longer than " + MAX_LINE + " characters");
            }
        }
    }

    private void dispatch(String line) {
        if (line.isBlank()) {
            return;
        }
        Wire.Message message;
        try {
            message = Wire.decode(line);
        } catch (IllegalArgumentException e) {
            log.warn("ignoring a message from the server: {}: {}", e.getMessage(), line);
            return;
        }
        switch (message) {
            case Wire.Message.Event e -> deliver(e.event());
            case Wire.Message.Answer a -> {
                if (a.value() instanceof TinyphoneEvent.Snapshot snapshot) {
                    deliver(snapshot);
                }
                CompletableFuture<Object> f = a.requestId() == null ? null : pending.remove(a.requestId());
                if (f != null) {
                    f.complete(a.value());
                }
            }
            case Wire.Message.Error err -> {
                CompletableFuture<Object> f = err.requestId() == null ? null : pending.remove(err.requestId());
                if (f != null) {
                    f.completeExceptionally(new TinyphoneException(err.message()));
                } else {
                    log.warn("server error: {}", err.message());
                }
            }
            case Wire.Message.Audio a -> audio.frame(a.frame());
            case Wire.Message.AudioEnd e -> audio.end(e.callId(), e.reason(), e.frames(), e.lost());
            case Wire.Message.Ignored ignored -> { }
        }
    }

    private void deliver(TinyphoneEvent event) {
        try {
            cfg.listener().onEvent(event);
        } catch (RuntimeException e) {
            log.warn("listener failed on {}", event, e);
        }
    }

    private void notifyState(ConnectionState s, String reason) {
        try {
            cfg.listener().onConnection(s, reason);
        } catch (RuntimeException e) {
            log.warn("listener failed on {}", s, e);
        }
    }

    private void lost(Socket s, String reason) {
        lock.lock();
        try {
            if (socket == s) {
                socket = null;
                out = null;
            }
            state = ConnectionState.LOST;
            stateChanged.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
        audio.lostAll(reason);
        TinyphoneException error = new TinyphoneException("connection lost: " + reason);
        for (String id : List.copyOf(pending.keySet())) {
            CompletableFuture<Object> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(error);
            }
        }
        if (!closed) {
            notifyState(ConnectionState.LOST, reason);
        }
    }

    /** Closes the connection for good; commands in flight fail. */
    void close() {
        closed = true;
        Socket s;
        lock.lock();
        try {
            s = socket;
            stateChanged.signalAll();
        } finally {
            lock.unlock();
        }
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
