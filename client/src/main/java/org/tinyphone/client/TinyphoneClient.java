package org.tinyphone.client;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

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
 * A call's audio: {@link #listen} (frames to an {@link AudioListener}), {@link #sendAudio}, {@link #clearAudio}.
 * Thread-safe. One virtual thread reads and calls the listeners. This class is the API; the connection and its
 * state are {@link ClientConnection}'s.
 */
public final class TinyphoneClient implements AutoCloseable {
    private final ClientConnection conn;

    private TinyphoneClient(Builder b) {
        this.conn = new ClientConnection(new ClientConnection.Settings(b.host, b.port, b.listener, b.reconnect, b.maxBackoff,
                b.requestTimeout));
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
            client.conn.connect();
            return client;
        }
    }

    /** The connection's current state. */
    public ConnectionState state() {
        return conn.state();
    }

    /** Waits until the client is connected (e.g. after a reconnect); false on timeout or once closed. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return conn.awaitConnected(timeout);
    }

    /** Watches a number ({@code "*"}: every number); completes with the calls already in progress on it. */
    public CompletableFuture<TinyphoneEvent.Snapshot> subscribe(String number) {
        return subscribe(number, null);
    }

    /** Watches a number that needs a token. */
    public CompletableFuture<TinyphoneEvent.Snapshot> subscribe(String number, String token) {
        Objects.requireNonNull(number, "number");
        return conn.subscribe(number, token).thenApply(o -> (TinyphoneEvent.Snapshot) o);
    }

    /** Stops watching a number. */
    public CompletableFuture<Void> unsubscribe(String number) {
        return conn.unsubscribe(number).thenApply(o -> null);
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

    /**
     * Streams the call's audio to a Twilio Media Streams app at {@code url} (ws:// or wss://, a host the server's
     * {@code stream.allow} lists); the value is the URL without its query. See docs/streams.md.
     */
    public CompletableFuture<CommandResult> stream(String callId, String url) {
        return command(callId, "stream", Map.of("url", url), Duration.ZERO);
    }

    /** Ends the call's media stream (the app gets {@code stop}); the call goes on. */
    public CompletableFuture<CommandResult> stopStream(String callId) {
        return command(callId, "stop_stream", Map.of(), Duration.ZERO);
    }

    /**
     * Listens to the call's audio in {@code format}: {@code listener} gets it 20 ms a frame, then its end (the call's
     * hangup, {@link #stopListening}, a lost connection). Needs the right to command the call; the value is the format.
     * Frames may reach the listener before this completes. See docs/protocol.md, "A call's audio".
     */
    public CompletableFuture<CommandResult> listen(String callId, AudioFormat format, AudioListener listener) {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(listener, "listener");
        if (!conn.audio().add(callId, listener)) {
            return CompletableFuture.failedFuture(new TinyphoneException("already listening to call " + callId));
        }
        return command(callId, "listen", Map.of("format", format.wireName()), Duration.ofSeconds(5)).whenComplete((r, e) -> {
            if (e != null || !r.ok()) {
                conn.audio().remove(callId, listener);
            }
        });
    }

    /** Stops listening to the call's audio; its listener gets its end first. */
    public CompletableFuture<CommandResult> stopListening(String callId) {
        return command(callId, "stop_listen", Map.of(), Duration.ZERO);
    }

    /**
     * Plays {@code audio} (whole samples of {@code format}) to the caller, after what was sent before, at real time;
     * longer audio goes in pieces of {@value #AUDIO_PIECE} bytes, one after the other (a message is at most the
     * server's clients.max-line). The value is the milliseconds of audio waiting to be played after it. Fails when the
     * call came in a way that carries no audio back (the EAGI relay), or the server's play buffer is full.
     */
    public CompletableFuture<CommandResult> sendAudio(String callId, AudioFormat format, byte[] audio) {
        Objects.requireNonNull(format, "format");
        if (audio.length == 0 || audio.length % format.bytesPerSample() != 0) {
            throw new IllegalArgumentException(format.wireName() + " audio must be whole samples: " + audio.length + " bytes");
        }
        CompletableFuture<CommandResult> sent = piece(callId, format, audio, 0);
        for (int off = AUDIO_PIECE; off < audio.length; off += AUDIO_PIECE) {
            int from = off;
            sent = sent.thenCompose(r -> r.ok() ? piece(callId, format, audio, from) : CompletableFuture.completedFuture(r));
        }
        return sent;
    }

    /** Bytes of audio per send_audio message: 48 frames of µ-law, 24 of slin, 12 of slin16; 10 KiB of base64. */
    static final int AUDIO_PIECE = 7680;

    private CompletableFuture<CommandResult> piece(String callId, AudioFormat format, byte[] audio, int from) {
        byte[] piece = java.util.Arrays.copyOfRange(audio, from, Math.min(audio.length, from + AUDIO_PIECE));
        return command(callId, "send_audio", ordered("format", format.wireName(), "payload",
                java.util.Base64.getEncoder().encodeToString(piece)), Duration.ZERO);
    }

    /** Drops the audio still waiting to be played to the caller; the value is the milliseconds dropped. */
    public CompletableFuture<CommandResult> clearAudio(String callId) {
        return command(callId, "clear_audio", Map.of(), Duration.ZERO);
    }

    private CompletableFuture<CommandResult> command(String callId, String name, Map<String, Object> args,
                                                     Duration expected) {
        Objects.requireNonNull(callId, "callId");
        return conn.command(callId, name, args, expected).thenApply(o -> (CommandResult) o);
    }

    private static Map<String, Object> ordered(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, Objects.requireNonNull(v1, k1));
        m.put(k2, Objects.requireNonNull(v2, k2));
        return m;
    }
    /** Closes the connection for good; commands in flight fail. */
    @Override
    public void close() {
        conn.close();
    }
}
