package org.tinyphone.server.stream;

import java.io.IOException;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.audio.codec.Resampler;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

/**
 * One call's media stream: a WebSocket client connection to the app, speaking Twilio Media Streams (see
 * {@link TwilioMessages}, docs/streams.md). The ingress hands it the caller's audio ({@link #audio}, any chunking, 8 or
 * 16 kHz slin), keys come from the call itself, and the call's hangup ends it with {@code stop}.
 *
 * <p>Nothing here ever waits for the app on the caller's thread: messages for the app go through a bounded queue
 * ({@code stream.queue}) to the stream's own writer thread, and what does not fit is dropped and counted (a log line,
 * rate-limited). The app's audio goes to a {@link Player} (its own thread, paced at 20 ms). A connection that cannot be
 * opened, or that fails or is closed by the app during the call, is reported on the call (a {@code stream} event with
 * status {@code error}, and a log line) and tried again {@code stream.retries} times, {@code stream.retry-delay} apart:
 * each connection is a stream of its own (new {@code streamSid}, {@code connected} and {@code start} again, sequence
 * numbers, chunks and timestamps from the start).
 */
public final class MediaStream {
    private static final Logger log = LoggerFactory.getLogger(MediaStream.class);
    private static final LogLimiter LIMIT = new LogLimiter(5, Duration.ofSeconds(10));
    /** After the hangup, how long {@code stop} and the close may take before the connection is dropped. */
    static final Duration STOP_GRACE = Duration.ofSeconds(2);

    /** Where the app's audio goes: the caller, as slin at {@code sampleRate} (8000 or 16000). */
    public interface AudioBack {
        void play(int sampleRate, byte[] pcm) throws IOException;
    }

    /** Something for the app, queued by the caller's side, sent by the writer. */
    private sealed interface Outgoing {
        Connection to();
    }

    private record Media(Connection to, byte[] ulaw, long timestamp) implements Outgoing {}

    private record Dtmf(Connection to, char digit) implements Outgoing {}

    private record Mark(Connection to, String name) implements Outgoing {}

    private final MediaStreams owner;
    private final MediaStreams.Settings settings;
    private final Call call;
    private final Target target;
    private final String where; // the URL without query (or the inbound path), for logs and events
    private final AudioBack back;
    private final Player player;
    private final ArrayBlockingQueue<Outgoing> out;
    private final CountDownLatch endSignal = new CountDownLatch(1);
    private volatile boolean ended;
    private volatile Connection current;
    private final AtomicBoolean saidNoAudioBack = new AtomicBoolean();
    private final AtomicBoolean saidRate = new AtomicBoolean();
    // the caller's audio, assembled into 20 ms chunks (only the ingress's audio thread touches these)
    private final byte[] chunk = new byte[TwilioMessages.CHUNK_BYTES];
    private int chunkFill;
    private Resampler down;
    private volatile int callerRate = TwilioMessages.SAMPLE_RATE;
    private Resampler up; // player thread only
    private long droppedHere;

    private final java.util.function.Consumer<MediaStream> onEnd;

    /** Where a stream's connections come from. */
    sealed interface Target {
        /** The server connects to the app at {@code uri}. */
        record Outbound(URI uri) implements Target {}

        /** The app connected in to {@code /streams/<number>}: each connection takes one waiting there. */
        record Inbound(String number) implements Target {}
    }

    /** One WebSocket connection, whichever side opened it: what the stream sends on it. */
    interface Link {
        /** Sends one text message; completes when the WebSocket took it. */
        CompletableFuture<?> send(String text);

        /** Sends a close frame. */
        CompletableFuture<?> close(int code, String reason);

        /** Drops the connection at once. */
        void abort();
    }

    MediaStream(MediaStreams owner, Call call, Target target, AudioBack back, java.util.function.Consumer<MediaStream> onEnd) {
        this.onEnd = onEnd;
        this.owner = owner;
        this.settings = owner.settings();
        this.call = call;
        this.target = target;
        this.where = switch (target) {
            case Target.Outbound o -> withoutQuery(o.uri());
            case Target.Inbound i -> InboundApps.PATH + i.number() + " (an app connected in)";
        };
        this.back = back;
        this.out = new ArrayBlockingQueue<>(settings.queue());
        this.player = back == null ? null : new Player(owner.ticker(), this::playToCaller, this::markReached,
                settings.playFrames(), settings.maxMarks(), "stream-play " + call.id());
        owner.active.incrementAndGet();
        call.tapKeys(this::dtmf);
        Thread.ofVirtual().name("stream " + call.id()).start(this::run);
        call.whenHungUp().whenComplete((cause, error) -> end());
    }

    /** The app's URL (without its query, which may hold a token). */
    public String app() {
        return where;
    }

    /**
     * The caller's audio: slin 16-bit little-endian mono at {@code sampleRate} (8000 or 16000; others are dropped and
     * said so once), any chunking. Never blocks: while no connection is up the audio is not streamed, and when the
     * app is behind it is dropped and counted.
     */
    public void audio(int sampleRate, byte[] pcm, int offset, int length) {
        if (ended) return;
        byte[] slin;
        int off = offset;
        int len = length;
        if (sampleRate == 16000) {
            if (down == null) down = Resampler.downsampler();
            slin = down.process(pcm, offset, length);
            off = 0;
            len = slin.length;
        } else if (sampleRate == TwilioMessages.SAMPLE_RATE) {
            slin = pcm;
        } else {
            if (saidRate.compareAndSet(false, true)) {
                log.warn("call {}: caller audio at {} Hz cannot be streamed (8000 or 16000 only)", LogText.escape(call.id()),
                        sampleRate);
            }
            return;
        }
        callerRate = sampleRate;
        byte[] ulaw = Mulaw.fromPcm(slin, off, len);
        for (byte b : ulaw) {
            chunk[chunkFill++] = b;
            if (chunkFill == chunk.length) {
                chunkFill = 0;
                Connection c = current;
                if (c != null) queue(new Media(c, chunk.clone(), (System.nanoTime() - c.started) / 1_000_000));
            }
        }
    }

    /** The caller pressed a key (from the call's key tap). */
    void dtmf(char digit) {
        Connection c = current;
        if (c != null && !ended) queue(new Dtmf(c, digit));
    }

    private void queue(Outgoing o) {
        if (out.offer(o)) return;
        owner.droppedToApp.incrementAndGet();
        droppedHere++;
        LIMIT.warn(log, "stream behind", "call {}: the stream app at {} is behind: a message was dropped ({} so far on this "
                + "call, queue of {})", LogText.escape(call.id()), where, droppedHere, settings.queue());
    }

    /** Whether the stream has ended (the call's hangup, or {@link #stop}). */
    public boolean ended() {
        return ended;
    }

    /** Ends the stream while the call goes on ({@code stop_stream}): as at a hangup. */
    void stop() {
        end();
    }

    /** The call hung up or the stream was stopped: {@code stop} is sent after what is queued, then the connection is closed. */
    private void end() {
        ended = true;
        endSignal.countDown();
        if (player != null) player.close();
    }

    // ---- the writer: connects, sends, retries

    private void run() {
        int failures = 0;
        try {
            while (!ended) {
                Connection c = new Connection();
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
            onEnd.accept(this);
        }
    }

    /** Opens {@code c}'s link to the app: null when it is up, else what went wrong. */
    private String connect(Connection c) throws InterruptedException {
        return switch (target) {
            case Target.Outbound o -> {
                try {
                    WebSocket ws = owner.handshake(o.uri()).buildAsync(o.uri(), new JdkListener(c))
                            .get(settings.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                    c.link = new Link() {
                        @Override public CompletableFuture<?> send(String text) { return ws.sendText(text, true); }
                        @Override public CompletableFuture<?> close(int code, String reason) { return ws.sendClose(code, reason); }
                        @Override public void abort() { ws.abort(); }
                    };
                    yield null;
                } catch (ExecutionException e) {
                    yield "cannot connect to " + where + ": " + describe(e.getCause());
                } catch (TimeoutException e) {
                    yield "cannot connect to " + where + ": no answer within " + settings.connectTimeout().toMillis() + " ms";
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
                problem = send(c, TwilioMessages.start(c.nextSequence(), c.sid, call.id(), customParameters(call.info())));
            }
            if (problem != null) return problem;
            out.clear();
            current = c;
            call.streamStatus("connected", where);
            log.info("call {}: streaming to {} (stream {})", LogText.escape(call.id()), where, c.sid);
            while (true) {
                if (c.failure != null) return c.failure;
                Outgoing o = out.poll(20, TimeUnit.MILLISECONDS);
                if (o != null) {
                    if (o.to() != c) continue; // queued for an earlier connection
                    problem = send(c, encode(c, o));
                    if (problem != null) return problem;
                    switch (o) {
                        case Media m -> owner.framesToApp.increment();
                        case Mark k -> owner.marks.increment();
                        case Dtmf d -> { }
                    }
                } else if (ended) {
                    problem = send(c, TwilioMessages.stop(c.nextSequence(), c.sid, call.id()));
                    call.streamStatus("stopped", where); // stop_stream (after a hangup, no event is sent)
                    if (problem == null) {
                        try {
                            c.link.close(WebSocket.NORMAL_CLOSURE, "call ended").get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                            c.closed.await(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
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

    private String encode(Connection c, Outgoing o) {
        return switch (o) {
            case Media m -> TwilioMessages.media(c.nextSequence(), c.sid, ++c.chunks, m.timestamp(), m.ulaw());
            case Dtmf d -> TwilioMessages.dtmf(c.nextSequence(), c.sid, d.digit());
            case Mark k -> TwilioMessages.mark(c.nextSequence(), c.sid, k.name());
        };
    }

    /**
     * Sends one message and waits until the WebSocket took it; null when it did, else what went wrong. After the call
     * ended, an app that does not take it within {@link #STOP_GRACE} is given up on (the caller's side never waits).
     */
    private String send(Connection c, String message) throws InterruptedException {
        CompletableFuture<?> f = c.link.send(message);
        long endSeen = 0;
        while (true) {
            try {
                f.get(100, TimeUnit.MILLISECONDS);
                owner.bytesToApp.add(message.length());
                return null;
            } catch (ExecutionException e) {
                return c.failure != null ? c.failure : "sending to " + where + " failed: " + describe(e.getCause());
            } catch (TimeoutException e) {
                if (c.failure != null) return c.failure;
                if (ended) {
                    long now = System.nanoTime();
                    if (endSeen == 0) endSeen = now;
                    else if (now - endSeen > STOP_GRACE.toNanos()) {
                        LIMIT.warn(log, "stream stuck", "call {}: the stream app at {} took nothing for {} ms after the hangup: "
                                + "connection dropped without stop", LogText.escape(call.id()), where, STOP_GRACE.toMillis());
                        c.failure = "the app took nothing after the hangup";
                        return c.failure;
                    }
                }
            }
        }
    }

    private void report(String problem) {
        call.streamStatus("error", problem);
        LIMIT.warn(log, "stream error", "call {}: media stream: {}", LogText.escape(call.id()), LogText.escape(problem));
    }

    // ---- the app's messages

    private void fromApp(Connection c, String text) {
        switch (TwilioMessages.parse(text)) {
            case TwilioMessages.FromApp.Media m -> {
                if (player == null) {
                    owner.droppedToCaller.addAndGet((m.ulaw().length + TwilioMessages.CHUNK_BYTES - 1) / TwilioMessages.CHUNK_BYTES);
                    if (saidNoAudioBack.compareAndSet(false, true)) {
                        String why = "audio back is not possible on this call: it came in over the EAGI relay, which carries "
                                + "the caller's audio only; the app's media is dropped";
                        call.streamStatus("error", why);
                        log.warn("call {}: {}", LogText.escape(call.id()), why);
                    }
                    return;
                }
                int lost = player.media(m.ulaw());
                if (lost > 0) {
                    owner.droppedToCaller.addAndGet(lost);
                    LIMIT.warn(log, "stream play full", "call {}: the stream app at {} sent more audio than the play buffer "
                            + "holds ({} frames): {} frames dropped", LogText.escape(call.id()), where, settings.playFrames(), lost);
                }
            }
            case TwilioMessages.FromApp.Mark k -> {
                if (player == null) {
                    queue(new Mark(c, k.name())); // nothing is played on this call: the mark is reached at once
                } else if (!player.mark(k.name())) {
                    ignored("more than " + settings.maxMarks() + " marks waiting");
                }
            }
            case TwilioMessages.FromApp.Clear clear -> {
                if (player != null) player.clear();
            }
            case TwilioMessages.FromApp.Ignored i -> ignored(i.why() + ": " + LogText.escape(text));
        }
    }

    private void ignored(String why) {
        owner.ignoredFromApp.incrementAndGet();
        LIMIT.warn(log, "stream ignored", "call {}: the stream app at {} sent a message that was ignored: {}",
                LogText.escape(call.id()), where, why);
    }

    /** A frame of the app's audio to the caller (player thread). */
    private void playToCaller(byte[] ulaw) throws IOException {
        byte[] pcm = Mulaw.toPcm(ulaw, 0, ulaw.length);
        int rate = callerRate;
        if (rate == 16000) {
            if (up == null) up = Resampler.upsampler();
            pcm = up.process(pcm, 0, pcm.length);
        }
        back.play(rate, pcm);
        owner.framesToCaller.increment();
    }

    /** A mark's audio has played, or was cleared (player thread, or the app's reader for clear). */
    private void markReached(String name) {
        Connection c = current;
        if (c != null) queue(new Mark(c, name));
    }

    /** The start message's customParameters: who called, what was dialed, how it came in, the dialplan's arguments. */
    static Map<String, String> customParameters(CallInfo info) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("callerId", info.callerId());
        p.put("callerName", info.callerName());
        p.put("number", info.dnid());
        p.put("via", info.via());
        p.put("channel", info.channel());
        for (int i = 0; i < info.args().size(); i++) p.put("arg" + (i + 1), info.args().get(i));
        return p;
    }

    static String withoutQuery(URI u) {
        return u.getScheme() + "://" + u.getRawAuthority() + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    private static String describe(Throwable t) {
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.CompletionException)) t = t.getCause();
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + LogText.escape(m));
    }

    /**
     * One WebSocket connection to the app: its stream's ids and counters, and what the app sends on it (from the
     * connection's reader: {@link JdkListener}, or an {@link InboundApps} endpoint).
     */
    final class Connection {
        final String sid = "MZ" + HexFormat.of().formatHex(ByteBuffer.allocate(16).putLong(ThreadLocalRandom.current().nextLong())
                .putLong(ThreadLocalRandom.current().nextLong()).array());
        final long started = System.nanoTime();
        final CountDownLatch closed = new CountDownLatch(1);
        volatile Link link;
        volatile String failure;
        private long sequence; // writer thread only
        long chunks; // writer thread only

        long nextSequence() {
            return ++sequence;
        }

        /** A whole text message of {@code length} characters, or null when it was longer than stream.max-message. */
        void text(String message, long length) {
            owner.bytesFromApp.add(length);
            if (message == null) ignored("a message longer than " + settings.maxMessage() + " characters (stream.max-message)");
            else fromApp(this, message);
        }

        void binary(long length) {
            owner.bytesFromApp.add(length);
            ignored("a binary message (Twilio's messages are text)");
        }

        void closedByApp(int statusCode, String reason) {
            if (failure == null) {
                failure = "the app closed the stream (" + statusCode + (reason == null || reason.isEmpty() ? "" : " "
                        + LogText.escape(reason)) + ")";
            }
            closed.countDown();
        }

        void failed(Throwable error) {
            if (failure == null) failure = "the connection to " + where + " failed: " + describe(error);
            closed.countDown();
        }

        int maxMessage() {
            return settings.maxMessage();
        }
    }

    /** What the app sends on a connection the server opened (the JDK's WebSocket client), assembled into messages. */
    private static final class JdkListener implements WebSocket.Listener {
        private final Connection c;
        private final StringBuilder text = new StringBuilder();
        private long length;
        private boolean tooLong;

        JdkListener(Connection c) {
            this.c = c;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            length += data.length();
            if (!tooLong) {
                if (text.length() + data.length() > c.maxMessage()) {
                    tooLong = true;
                    text.setLength(0);
                } else {
                    text.append(data);
                }
            }
            if (last) {
                c.text(tooLong ? null : text.toString(), length);
                text.setLength(0);
                tooLong = false;
                length = 0;
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            length += data.remaining();
            if (last) {
                c.binary(length);
                length = 0;
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            c.closedByApp(statusCode, reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            c.failed(error);
        }
    }
}
