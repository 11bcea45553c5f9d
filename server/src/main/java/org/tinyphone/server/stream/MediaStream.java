package org.tinyphone.server.stream;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
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
 *
 * <p>Here: the caller's side (its audio in 20 ms µ-law chunks, its keys) and what the app sends (audio and marks to
 * the player, clear). The queue to the app, the connections and everything written on them are the
 * {@link StreamWriter}'s; a connection the server opened is read by a {@link JdkAppListener}.
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

    private final MediaStreams owner;
    private final MediaStreams.Settings settings;
    private final Call call;
    private final String where; // the URL without query (or the inbound path), for logs and events
    private final AudioBack back;
    private final Player player;
    private final StreamWriter writer;
    private final AtomicBoolean saidNoAudioBack = new AtomicBoolean();
    private final AtomicBoolean saidRate = new AtomicBoolean();
    // the caller's audio, assembled into 20 ms chunks (only the ingress's audio thread touches these)
    private final byte[] chunk = new byte[TwilioMessages.CHUNK_BYTES];
    private int chunkFill;
    private Resampler down;
    private volatile int callerRate = TwilioMessages.SAMPLE_RATE;
    private Resampler up; // player thread only

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
        this.owner = owner;
        this.settings = owner.settings();
        this.call = call;
        this.where = switch (target) {
            case Target.Outbound o -> withoutQuery(o.uri());
            case Target.Inbound i -> InboundApps.PATH + i.number() + " (an app connected in)";
        };
        this.back = back;
        this.player = back == null ? null : new Player(owner.ticker(), this::playToCaller, this::markReached,
                settings.playFrames(), settings.maxMarks(), "stream-play " + call.id());
        this.writer = new StreamWriter(owner, call, target, where, player, Connection::new, () -> onEnd.accept(this));
        owner.active.incrementAndGet();
        call.tapKeys(this::dtmf);
        writer.start();
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
        if (writer.ended()) return;
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
                Connection c = writer.current();
                if (c != null) writer.queue(new StreamWriter.Media(c, chunk.clone(), (System.nanoTime() - c.started) / 1_000_000));
            }
        }
    }

    /** The caller pressed a key (from the call's key tap). */
    void dtmf(char digit) {
        Connection c = writer.current();
        if (c != null && !writer.ended()) writer.queue(new StreamWriter.Dtmf(c, digit));
    }

    /** Whether the stream has ended (the call's hangup, or {@link #stop}). */
    public boolean ended() {
        return writer.ended();
    }

    /** Ends the stream while the call goes on ({@code stop_stream}): as at a hangup. */
    void stop() {
        end();
    }

    /** The call hung up or the stream was stopped: {@code stop} is sent after what is queued, then the connection is closed. */
    private void end() {
        writer.end();
        if (player != null) player.close();
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
                    writer.queue(new StreamWriter.Mark(c, k.name())); // nothing is played on this call: the mark is reached at once
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
        Connection c = writer.current();
        if (c != null) writer.queue(new StreamWriter.Mark(c, name));
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

    /** A failure in a few words for a log line or an event: the first cause with a message, its text escaped. */
    static String describe(Throwable t) {
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.CompletionException)) t = t.getCause();
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + LogText.escape(m));
    }

    /**
     * One WebSocket connection to the app: its stream's ids and counters, and what the app sends on it (from the
     * connection's reader: {@link JdkAppListener}, or an {@link InboundApps} endpoint).
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
            writer.wake();
        }

        void failed(Throwable error) {
            if (failure == null) failure = "the connection to " + where + " failed: " + describe(error);
            closed.countDown();
            writer.wake();
        }

        int maxMessage() {
            return settings.maxMessage();
        }
    }
}
