package org.tinyphone.server.bridge;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call in progress, opened by an ingress with {@link Bridge#open}. The ingress reports what happens
 * ({@link #keypress}, {@link #audioLevel}, {@link #hangup}); the bridge turns it into events, enforcing:
 * exactly one hangup per call, nothing after it, keys only 0-9 * #, levels clamped to 0..32768,
 * events in order. Thread-safe: any thread may report.
 */
public final class Call {
    private static final Logger log = LoggerFactory.getLogger(Call.class);
    /** Most recent keys kept for snapshots. */
    private static final int MAX_KEYS = 64;

    private final Bridge bridge;
    private final Bridge.Room room;
    private final CallInfo info;
    private volatile CallControl control;
    private volatile java.util.function.Consumer<Character> keyTap;
    private volatile java.util.function.Function<CallCommand.Media, CompletableFuture<CommandResult>> media;
    /** Completed when the call's audio joins ({@link #attachMedia}): stream commands sent before then wait for it. */
    private final CompletableFuture<java.util.function.Function<CallCommand.Media, CompletableFuture<CommandResult>>> mediaJoined =
            new CompletableFuture<>();
    /** The ways in whose calls may get audio a moment after {@code new_caller} (AudioSocket, also after the FastAGI
     *  hand-off; ARI's externalMedia; the EAGI relay's first frame). */
    private static final java.util.Set<String> AUDIO_VIAS = java.util.Set.of("audiosocket", "ari", "relay");
    /** How long a stream command waits for the call's audio to join before it fails with "has no audio". */
    static final java.time.Duration MEDIA_WAIT = java.time.Duration.ofSeconds(3);

    // guarded by room.lock
    private boolean ended;
    private final StringBuilder keys = new StringBuilder();
    private int audioLevel;

    /*
     * Lock order (docs/design.md, "Lock order"): commandLock -> the bridge's roomsLock -> room.lock, and commandLock ->
     * the control's own lock: submit may run the next command's hand-off (which checks ended() under the room lock)
     * while holding commandLock. Nothing that holds a bridge lock takes commandLock (hangup takes it after emit).
     */
    private final ReentrantLock commandLock = new ReentrantLock();
    private CompletableFuture<?> commandTail = CompletableFuture.completedFuture(null); // guarded by commandLock
    private final List<CompletableFuture<CommandResult>> pending = new ArrayList<>(); // guarded by commandLock
    private final CompletableFuture<String> hungUp = new CompletableFuture<>();

    Call(Bridge bridge, Bridge.Room room, CallInfo info, CallControl control) {
        this.bridge = bridge;
        this.room = room;
        this.info = info;
        this.control = control;
    }

    /** The call's id (unique among calls in progress). */
    public String id() { return info.callId(); }

    Bridge.Room room() { return room; }

    public CallInfo info() { return info; }

    /** The dialed number. */
    public String number() { return info.dnid(); }

    /** The caller pressed a key; anything but 0-9 * # is ignored (returns false), as is anything after hangup. */
    public boolean keypress(char digit) {
        if (!((digit >= '0' && digit <= '9') || digit == '*' || digit == '#')) {
            log.debug("call {}: ignoring key {}", id(), (int) digit);
            return false;
        }
        boolean emitted = bridge.emit(this, new CallEvent.Keypress(id(), number(), digit, Instant.now()));
        java.util.function.Consumer<Character> tap = keyTap;
        if (emitted && tap != null) tap.accept(digit);
        return emitted;
    }

    /**
     * Also hands every key the call reports (after its event) to {@code tap}, on the reporting thread; one tap per call
     * (a media stream's dtmf), replacing any earlier one. Keep it quick.
     */
    public void tapKeys(java.util.function.Consumer<Character> tap) {
        this.keyTap = tap;
    }

    /**
     * Gives the call what runs its {@link CallCommand.Media} commands ({@code stream}, {@code stop_stream}, {@code listen},
     * {@code send_audio}, {@code clear_audio}): the media streams, once the call has audio. Commands sent before wait for it up to {@link #MEDIA_WAIT} on a way in that
     * can carry audio, and fail with "has no audio" at once on one that cannot.
     */
    public void attachMedia(java.util.function.Function<CallCommand.Media, CompletableFuture<CommandResult>> media) {
        this.media = media;
        mediaJoined.complete(media);
    }

    /** The call's media stream changed ({@link CallEvent.Stream}); false after hangup. */
    public boolean streamStatus(String status, String detail) {
        return bridge.emit(this, new CallEvent.Stream(id(), number(), status, detail == null ? "" : detail, Instant.now()));
    }

    /** The caller's audio level; clamped to 0..32768. Returns false after hangup. */
    public boolean audioLevel(int level) {
        int clamped = Math.max(0, Math.min(32768, level));
        return bridge.emit(this, new CallEvent.AudioLevel(id(), number(), clamped, Instant.now()));
    }

    /**
     * The call ended. Only the first hangup counts (returns true); later ones are ignored.
     * Commands waiting or running are answered with an error.
     */
    public boolean hangup(String cause) {
        String c = cause == null || cause.isBlank() ? "hangup" : cause;
        boolean first = bridge.emit(this, new CallEvent.Hangup(id(), number(), c, Instant.now()));
        if (first) {
            List<CompletableFuture<CommandResult>> toFail;
            commandLock.lock();
            try {
                toFail = new ArrayList<>(pending);
                pending.clear();
            } finally {
                commandLock.unlock();
            }
            for (CompletableFuture<CommandResult> f : toFail) f.complete(CommandResult.failed("call hung up"));
            hungUp.complete(c);
        }
        return first;
    }

    public boolean ended() { return hungUp.isDone() || isEndedLocked(); }

    private boolean isEndedLocked() {
        room.lock.lock();
        try {
            return ended;
        } finally {
            room.lock.unlock();
        }
    }

    /** Completes with the hangup cause when the call ends. */
    public CompletionStage<String> whenHungUp() { return hungUp.minimalCompletionStage(); }

    /** The command channel, if the ingress has one. */
    public Optional<CallControl> control() { return Optional.ofNullable(control); }

    /** Gives the call a command channel later (e.g. once AsyncAGI starts on it). */
    public void attachControl(CallControl control) { this.control = control; }

    /**
     * Runs a command after those submitted before it; never completes exceptionally. This chain is the one place a
     * call's commands are ordered: the control gets the next only once the previous one is answered.
     * Without a command channel the answer is the error "call has no command channel"; a command the bridge's
     * {@link TalkbackPolicy} refuses never reaches the call, and the answer says why.
     */
    public CompletableFuture<CommandResult> submit(CallCommand command) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        String refused = bridge.talkback().refusal(command);
        if (refused != null) {
            log.debug("call {}: {} refused: {}", id(), command.kind(), refused);
            result.complete(CommandResult.failed(command.kind() + ": " + refused));
            return result;
        }
        if (ended()) {
            result.complete(CommandResult.failed("call has ended"));
            return result;
        }
        if (command instanceof CallCommand.Media m) { // at once, not behind a prompt that plays
            var runner = media;
            if (runner != null) return runner.apply(m).exceptionally(e -> CommandResult.failed(describe(e)));
            CommandResult noAudio = CommandResult.failed(m.kind() + ": call " + id() + " has no audio (it came in over "
                    + info.via() + "; audio comes over AudioSocket, ARI or the EAGI relay)");
            if (!AUDIO_VIAS.contains(info.via())) {
                result.complete(noAudio);
                return result;
            }
            // its audio may join a moment after new_caller (AudioSocket after the FastAGI hand-off, the relay's first
            // frame): the command waits for it here, so a client need not send it again
            var waiting = mediaJoined.copy();
            hungUp.whenComplete((cause, e) -> waiting.completeExceptionally(new java.util.concurrent.CancellationException()));
            return waiting.orTimeout(MEDIA_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    .thenCompose(r -> r.apply(m))
                    .exceptionally(e -> ended() ? CommandResult.failed("call has ended")
                            : unwrap(e) instanceof java.util.concurrent.TimeoutException ? noAudio : CommandResult.failed(describe(e)));
        }
        if (control == null) {
            result.complete(CommandResult.failed("call has no command channel"));
            return result;
        }
        commandLock.lock();
        try {
            pending.add(result);
            commandTail = commandTail.handle((r, e) -> null).thenCompose(x -> run(command, result));
        } finally {
            commandLock.unlock();
        }
        result.whenComplete((r, e) -> {
            commandLock.lock();
            try {
                pending.remove(result);
            } finally {
                commandLock.unlock();
            }
        });
        return result;
    }

    private CompletableFuture<?> run(CallCommand command, CompletableFuture<CommandResult> result) {
        if (result.isDone()) return CompletableFuture.completedFuture(null);
        if (ended()) {
            result.complete(CommandResult.failed("call has ended"));
            return CompletableFuture.completedFuture(null);
        }
        CallControl c = control;
        CompletableFuture<CommandResult> running;
        try {
            running = c.submit(command);
            if (running == null) running = CompletableFuture.completedFuture(CommandResult.failed("command channel gave no answer"));
        } catch (RuntimeException e) {
            running = CompletableFuture.completedFuture(CommandResult.failed(describe(e)));
        }
        running.whenComplete((r, e) -> {
            if (e != null) result.complete(CommandResult.failed(describe(e)));
            else result.complete(r == null ? CommandResult.failed("command channel gave no answer") : r);
        });
        // the next command waits for this one's answer, or for the hangup that fails it
        return result;
    }

    private static String describe(Throwable e) {
        Throwable t = unwrap(e);
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    /** The failure inside a future's wrapping exceptions. */
    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Snapshot of the call (caller holds room.lock). */
    CallState stateLocked() { return new CallState(info, keys.toString(), audioLevel); }

    /** Applies an event to the call's state; false if the call has already ended (caller holds room.lock). */
    boolean applyLocked(CallEvent event) {
        if (ended) return false;
        switch (event) {
            case CallEvent.Keypress k -> {
                if (keys.length() >= MAX_KEYS) keys.deleteCharAt(0);
                keys.append(k.digit());
            }
            case CallEvent.AudioLevel a -> audioLevel = a.level();
            case CallEvent.Hangup h -> ended = true;
            case CallEvent.NewCaller n -> { }
            case CallEvent.Stream st -> { }
            case CallEvent.Sms m -> throw new IllegalArgumentException("a text message is not a call's event");
        }
        return true;
    }

    @Override
    public String toString() {
        return "Call[" + id() + " " + info.callerId() + " -> " + number() + " via " + info.via() + "]";
    }
}
