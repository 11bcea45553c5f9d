package org.tinyphone.server.stream;

import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.stream.MediaStream.Connection;
import org.tinyphone.server.stream.MediaStream.Link;
import org.tinyphone.server.stream.MediaStream.Target;

/**
 * A media stream's side towards the app: the bounded queue the caller's side fills ({@link #queue}, never waiting:
 * what does not fit is dropped and counted) and the stream's own thread, the only one that writes to the app. It opens
 * a connection (the JDK's WebSocket client to the app's URL, or an app waiting at {@code /streams/<number>}), sends
 * {@code connected} and {@code start}, then what is queued for that connection in order; after the end, {@code stop}
 * and a close. A connection that cannot be opened, or fails, or is closed by the app during the call is reported on the
 * call and tried again {@code stream.retries} times, {@code stream.retry-delay} apart.
 *
 * <p>While the stream runs the thread waits without a timer (a timed wait per message cost more CPU than the rest of
 * the stream's work): the queue and each send are waited on plainly; a lost connection or the end wakes it with
 * {@link #WAKE}. After the end its waits are timed ({@link MediaStream#STOP_GRACE}); a send it was already waiting for
 * when the end came is watched by a thread of its own, and given up on (the connection dropped) after STOP_GRACE.
 */
final class StreamWriter {
    private static final Logger log = LoggerFactory.getLogger(MediaStream.class); // one log name for a stream's lines
    private static final LogLimiter LIMIT = new LogLimiter(5, Duration.ofSeconds(10));

    /** Something for the app, queued by the caller's side for one connection, sent by the writer. */
    sealed interface Outgoing {
        Connection to();
    }

    record Media(Connection to, byte[] ulaw, long timestamp) implements Outgoing {}

    record Dtmf(Connection to, char digit) implements Outgoing {}

    record Mark(Connection to, String name) implements Outgoing {}

    /** Nothing to send: wakes the writer to look at its connection (failed) or the end. */
    record Wake() implements Outgoing {
        @Override
        public Connection to() {
            return null;
        }
    }

    private static final Wake WAKE = new Wake();

    private final MediaStreams owner;
    private final MediaStreams.Settings settings;
    private final Call call;
    private final Target target;
    private final String where;
    private final Player player;
    private final Supplier<Connection> connections;
    private final Runnable finished;
    private final ArrayBlockingQueue<Outgoing> out;
    private final CountDownLatch endSignal = new CountDownLatch(1);
    private volatile boolean ended;
    private volatile Connection current;
    private volatile long waiting; // the number of the plain send wait the writer is in; 0: none
    private long waits; // writer thread only
    private long droppedHere;

    /**
     * @param where       the app's address for logs and events
     * @param player      the stream's player, or null (no audio back on this call)
     * @param connections a new connection's state, for each try
     * @param finished    run once on the writer's thread when the stream is over
     */
    StreamWriter(MediaStreams owner, Call call, Target target, String where, Player player,
                 Supplier<Connection> connections, Runnable finished) {
        this.owner = owner;
        this.settings = owner.settings();
        this.call = call;
        this.target = target;
        this.where = where;
        this.player = player;
        this.connections = connections;
        this.finished = finished;
        this.out = new ArrayBlockingQueue<>(settings.queue());
    }

    /** Starts the stream's thread. */
    void start() {
        Thread.ofVirtual().name("stream " + call.id()).start(this::run);
    }

    /** The connection up now (its {@code start} sent), or null. */
    Connection current() {
        return current;
    }

    /** Whether the stream has ended (the call's hangup, {@code stop_stream}, or no more tries). */
    boolean ended() {
        return ended;
    }

    /** The stream ends: {@code stop} goes after what is queued, then the connection is closed; no try waits longer. */
    void end() {
        if (ended) return;
        ended = true;
        endSignal.countDown();
        wake();
        long w = waiting; // read after ended is set, as the writer sets waiting before it reads ended: one of us sees it
        if (w != 0) Thread.ofVirtual().name("stream end " + call.id()).start(() -> giveUpOnStuckSend(w));
    }

    /** After the end: a send the writer was waiting for plainly that has not completed within STOP_GRACE is given up on. */
    private void giveUpOnStuckSend(long wait) {
        try {
            Thread.sleep(MediaStream.STOP_GRACE);
        } catch (InterruptedException e) {
            return;
        }
        Connection c = current;
        if (waiting != wait || c == null) return;
        stuckAfterHangup(c);
        c.link.abort(); // fails the send it waits for
    }

    /** The connection failed or the app closed it: the writer, maybe waiting for the queue, looks at it. */
    void wake() {
        out.offer(WAKE); // when the queue is full the writer is busy with it and sees the failure soon anyway
    }

    /** Queues {@code o} for the app without waiting; when the app is behind it is dropped, counted and logged. */
    void queue(Outgoing o) {
        if (out.offer(o)) return;
        owner.droppedToApp.incrementAndGet();
        droppedHere++;
        LIMIT.warn(log, "stream behind", "call {}: the stream app at {} is behind: a message was dropped ({} so far on this "
                + "call, queue of {})", LogText.escape(call.id()), where, droppedHere, settings.queue());
    }

    private void run() {
        int failures = 0;
        try {
            while (!ended) {
                Connection c = connections.get();
                String problem = connect(c);
                if (problem == null && ended) { // the call ended while connecting: nothing to stream
                    c.link.abort();
                    return;
                }
                if (problem == null) {
                    problem = serve(c);
                    if (problem == null) return;
                }
                if (ended) return;
                failures++;
                owner.failed.incrementAndGet();
                boolean again = failures <= settings.retries();
                report(problem + (again ? "; trying again in " + settings.retryDelay().toMillis() + " ms (" + failures + " of "
                        + settings.retries() + ")" : "; not trying again during this call"));
                if (!again || endSignal.await(settings.retryDelay().toMillis(), TimeUnit.MILLISECONDS)) return;
                owner.retried.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            current = null;
            out.clear();
            owner.active.decrementAndGet();
            ended = true;
            if (player != null) player.close();
            finished.run();
        }
    }

    /** Opens {@code c}'s link to the app: null when it is up, else what went wrong. */
    private String connect(Connection c) throws InterruptedException {
        return switch (target) {
            case Target.Outbound o -> {
                CompletableFuture<WebSocket> pending = owner.handshake(o.uri()).buildAsync(o.uri(), new JdkAppListener(c));
                try {
                    WebSocket ws = pending.get(settings.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                    c.link = new Link() {
                        @Override public CompletableFuture<?> send(String text) { return ws.sendText(text, true); }
                        @Override public CompletableFuture<?> close(int code, String reason) { return ws.sendClose(code, reason); }
                        @Override public void abort() { ws.abort(); }
                    };
                    yield null;
                } catch (ExecutionException e) {
                    yield "cannot connect to " + where + ": " + MediaStream.describe(e.getCause());
                } catch (TimeoutException e) {
                    pending.thenAccept(WebSocket::abort); // should it still open, it is not left open unused
                    yield "cannot connect to " + where + ": no answer within " + settings.connectTimeout().toMillis() + " ms";
                } catch (InterruptedException e) {
                    pending.thenAccept(WebSocket::abort);
                    throw e;
                }
            }
            case Target.Inbound i -> {
                Link link = owner.inbound().take(i.number(), c);
                if (link == null) yield "no app is connected to " + InboundApps.PATH + i.number() + " and waiting for a call";
                c.link = link;
                yield null;
            }
        };
    }

    /** Serves one connection; null when it ended with the call, else what went wrong. */
    private String serve(Connection c) throws InterruptedException {
        try {
            String problem = send(c, TwilioMessages.connected());
            if (problem == null) {
                problem = send(c, TwilioMessages.start(c.nextSequence(), c.sid, call.id(), MediaStream.customParameters(call.info())));
            }
            if (problem != null) return problem;
            out.clear();
            current = c;
            call.streamStatus("connected", where);
            log.info("call {}: streaming to {} (stream {})", LogText.escape(call.id()), where, c.sid);
            while (true) {
                if (c.failure != null) return c.failure;
                Outgoing o = ended ? out.poll() : out.take();
                if (o != null) {
                    if (o.to() != c) continue; // queued for an earlier connection, or a wake-up
                    problem = send(c, encode(c, o));
                    if (problem != null) return problem;
                    switch (o) {
                        case Media m -> owner.framesToApp.increment();
                        case Mark k -> owner.marks.increment();
                        case Dtmf d -> { }
                        case Wake w -> { }
                    }
                } else if (ended) {
                    problem = send(c, TwilioMessages.stop(c.nextSequence(), c.sid, call.id()));
                    call.streamStatus("stopped", where); // stop_stream (after a hangup, no event is sent)
                    if (problem == null) {
                        try {
                            c.link.close(WebSocket.NORMAL_CLOSURE, "call ended").get(MediaStream.STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                            c.closed.await(MediaStream.STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                        } catch (ExecutionException | TimeoutException e) {
                            // the app is gone or does not answer: dropped below
                        }
                    }
                    return null;
                }
            }
        } finally {
            if (current == c) current = null;
            if (player != null && !ended) player.clear(); // the app's audio and marks were for this connection
            c.link.abort();
        }
    }

    private static String encode(Connection c, Outgoing o) {
        return switch (o) {
            case Media m -> TwilioMessages.media(c.nextSequence(), c.sid, ++c.chunks, m.timestamp(), m.ulaw());
            case Dtmf d -> TwilioMessages.dtmf(c.nextSequence(), c.sid, d.digit());
            case Mark k -> TwilioMessages.mark(c.nextSequence(), c.sid, k.name());
            case Wake w -> throw new IllegalArgumentException("nothing to send");
        };
    }

    /**
     * Sends one message and waits until the WebSocket took it; null when it did, else what went wrong. After the call
     * ended, an app that does not take it within {@link MediaStream#STOP_GRACE} is given up on (the caller's side never
     * waits).
     */
    private String send(Connection c, String message) throws InterruptedException {
        CompletableFuture<?> f = c.link.send(message);
        long endSeen = 0;
        while (true) {
            try {
                waiting = ++waits;
                try {
                    if (ended) f.get(100, TimeUnit.MILLISECONDS);
                    else f.get(); // a lost connection fails its sends; the end watches this wait (giveUpOnStuckSend)
                } finally {
                    waiting = 0;
                }
                owner.bytesToApp.add(message.length());
                return null;
            } catch (ExecutionException e) {
                return c.failure != null ? c.failure : "sending to " + where + " failed: " + MediaStream.describe(e.getCause());
            } catch (TimeoutException e) {
                if (c.failure != null) return c.failure;
                if (ended) {
                    long now = System.nanoTime();
                    if (endSeen == 0) endSeen = now;
                    else if (now - endSeen > MediaStream.STOP_GRACE.toNanos()) {
                        stuckAfterHangup(c);
                        return c.failure;
                    }
                }
            }
        }
    }

    private void stuckAfterHangup(Connection c) {
        LIMIT.warn(log, "stream stuck", "call {}: the stream app at {} took nothing for {} ms after the hangup: "
                + "connection dropped without stop", LogText.escape(call.id()), where, MediaStream.STOP_GRACE.toMillis());
        if (c.failure == null) c.failure = "the app took nothing after the hangup";
    }

    private void report(String problem) {
        call.streamStatus("error", problem);
        LIMIT.warn(log, "stream error", "call {}: media stream: {}", LogText.escape(call.id()), LogText.escape(problem));
    }
}
