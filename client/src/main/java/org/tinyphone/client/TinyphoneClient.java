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
import java.util.Objects;
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
 * A client of the Tinyphone server's native JSON-lines dialect (TCP, port 12002 by default): watch dialed numbers,
 * get typed events, talk back to calls.
 *
 * <pre>{@code
 * try (TinyphoneClient client = TinyphoneClient.builder().host("127.0.0.1").listener(event -> {
 *         if (event instanceof TinyphoneEvent.Keypress k) System.out.println(k.callId() + " pressed " + k.key());
 *     }).connect()) {
 *     client.subscribe("13605162099").join();
 *     ...
 * }
 * }</pre>
 *
 * Subscriptions are kept: after a lost connection the client reconnects with backoff (unless turned off) and
 * subscribes again, and the server's snapshot tells what is in progress. Commands in flight when the connection goes
 * fail at once with a {@link TinyphoneException}; they are not resent (they act on a phone call).
 * Thread-safe. One virtual thread reads and calls the listener.
 */
public final class TinyphoneClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TinyphoneClient.class);
    private static final int MAX_LINE = 1 << 20;

    private final String host;
    private final int port;
    private final TinyphoneListener listener;
    private final boolean reconnect;
    private final Duration maxBackoff;
    private final Duration requestTimeout;
    private final Map<String, String> subscriptions = new LinkedHashMap<>(); // number -> token; guarded by lock
    private final Map<String, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stateChanged = lock.newCondition();
    private Socket socket;        // guarded by lock
    private OutputStream out;     // guarded by lock (writes too)
    private volatile boolean closed;
    private volatile ConnectionState state = ConnectionState.LOST;

    private TinyphoneClient(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.listener = b.listener;
        this.reconnect = b.reconnect;
        this.maxBackoff = b.maxBackoff;
        this.requestTimeout = b.requestTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a client; {@link #connect()} makes the first connection. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 12002;
        private TinyphoneListener listener = event -> { };
        private boolean reconnect = true;
        private Duration maxBackoff = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder listener(TinyphoneListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /** Reconnect after a lost connection (default on), waiting 0.25 s doubling up to {@code maxBackoff}. */
        public Builder reconnect(boolean on, Duration maxBackoff) {
            this.reconnect = on;
            this.maxBackoff = Objects.requireNonNull(maxBackoff);
            return this;
        }

        /** How long a subscribe or a command may wait for its answer, on top of the command's own duration. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Connects (blocking, at most 5 s) and starts reading. */
        public TinyphoneClient connect() throws IOException {
            TinyphoneClient client = new TinyphoneClient(this);
            client.open();
            Thread.ofVirtual().name("tinyphone-client " + host + ":" + port).start(client::readLoop);
            return client;
        }
    }

    /** The connection's current state. */
    public ConnectionState state() {
        return state;
    }

    /** Waits until the client is connected (e.g. after a reconnect); false on timeout or once closed. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
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

    /** Watches a number ({@code "*"}: every number); completes with the calls already in progress on it. */
    public CompletableFuture<TinyphoneEvent.Snapshot> subscribe(String number) {
        return subscribe(number, null);
    }

    /** Watches a number that needs a token. */
    public CompletableFuture<TinyphoneEvent.Snapshot> subscribe(String number, String token) {
        Objects.requireNonNull(number, "number");
        lock.lock();
        try {
            subscriptions.put(number, token);
        } finally {
            lock.unlock();
        }
        String id = nextId();
        return request(id, Wire.subscribe(id, number, token), Duration.ZERO)
                .thenApply(o -> (TinyphoneEvent.Snapshot) o);
    }

    /** Stops watching a number. */
    public CompletableFuture<Void> unsubscribe(String number) {
        lock.lock();
        try {
            subscriptions.remove(number);
        } finally {
            lock.unlock();
        }
        String id = nextId();
        return request(id, Wire.unsubscribe(id, number), Duration.ZERO).thenApply(o -> null);
    }

    /** Plays a sound file on the call to its end (keys pressed meanwhile still arrive as keypress events). */
    public CompletableFuture<CommandResult> play(String callId, String file) {
        return play(callId, file, "");
    }

    /** Plays a sound file; a key in {@code escapeDigits} (e.g. "#", "0123456789*#") stops it and is the value. */
    public CompletableFuture<CommandResult> play(String callId, String file, String escapeDigits) {
        return command(callId, "play", ordered("file", file, "escape_digits", escapeDigits), Duration.ofMinutes(10));
    }

    /** Says a number. */
    public CompletableFuture<CommandResult> sayNumber(String callId, long number) {
        return command(callId, "say_number", Map.of("number", number), Duration.ofMinutes(1));
    }

    /** Says digits one by one. */
    public CompletableFuture<CommandResult> sayDigits(String callId, String digits) {
        return command(callId, "say_digits", Map.of("digits", digits), Duration.ofMinutes(1));
    }

    /** Plays {@code prompt} ("" for none) and collects up to {@code maxDigits} keys ('#' ends early). */
    public CompletableFuture<CommandResult> collectDigits(String callId, String prompt, int maxDigits,
                                                          Duration timeout) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("prompt", prompt == null ? "" : prompt);
        args.put("max_digits", maxDigits);
        args.put("timeout_ms", timeout.toMillis());
        return command(callId, "collect_digits", args, timeout.multipliedBy(maxDigits + 1L));
    }

    /** Sets a channel variable. */
    public CompletableFuture<CommandResult> setVariable(String callId, String name, String value) {
        return command(callId, "set_variable", ordered("name", name, "value", value), Duration.ZERO);
    }

    /** Hangs up the call. */
    public CompletableFuture<CommandResult> hangup(String callId) {
        return command(callId, "hangup", Map.of(), Duration.ZERO);
    }

    private CompletableFuture<CommandResult> command(String callId, String name, Map<String, Object> args,
                                                     Duration expected) {
        Objects.requireNonNull(callId, "callId");
        String id = nextId();
        return request(id, Wire.command(id, callId, name, args), expected).thenApply(o -> (CommandResult) o);
    }

    private static Map<String, Object> ordered(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, Objects.requireNonNull(v1, k1));
        m.put(k2, Objects.requireNonNull(v2, k2));
        return m;
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
        answer.orTimeout(requestTimeout.plus(expected).toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, e) -> pending.remove(id));
        try {
            send(line);
        } catch (IOException e) {
            answer.completeExceptionally(new TinyphoneException("not connected: " + e.getMessage(), e));
        }
        return answer.exceptionallyCompose(e -> CompletableFuture.failedFuture(e instanceof TimeoutException
                ? new TinyphoneException("no answer from the server within " + requestTimeout.plus(expected))
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
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot connect to the Tinyphone server at " + host + ":" + port + ": "
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
        notifyState(ConnectionState.CONNECTED, "connected to " + host + ":" + port);
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
            if (closed || !reconnect) {
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
                backoff = Math.min(backoff * 2, maxBackoff.toMillis());
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
            case Wire.Message.Ignored ignored -> { }
        }
    }

    private void deliver(TinyphoneEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            log.warn("listener failed on {}", event, e);
        }
    }

    private void notifyState(ConnectionState s, String reason) {
        try {
            listener.onConnection(s, reason);
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
    @Override
    public void close() {
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
