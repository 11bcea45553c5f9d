package org.tinyphone.server.ingress;

import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiChannel;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.DigitResult;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CommandResult;

/**
 * The bridge app: turns one AGI session (FastAGI, the relay tunnel, AsyncAGI, a Stasis call over ARI) into a bridge
 * {@link Call}.
 *
 * <p>It opens the call from the environment (dialed number: the script's {@code ?number=} parameter, else
 * {@code agi_dnid}, else {@code agi_extension}), answers, then loops: WAIT FOR DIGIT with a short timeout (each key
 * becomes a keypress), and
 * between two waits the talk-back commands apps sent, in order. Keys pressed while a command plays are reported
 * too: every prompt is interruptible by every key; a key the command did not ask for is reported and the playback
 * goes on where it stopped. The caller's hangup ends the loop; the call gets exactly one hangup, and a command in
 * flight or waiting fails with a clear error.
 *
 * <p>Hand-off to AudioSocket ({@code agi://127.0.0.1:4573/tinyphone?audiosocket}): the app opens the call, sets
 * {@code TINYPHONE_UUID} to a fresh UUID and returns at once, so the dialplan's next step
 * {@code AudioSocket(${TINYPHONE_UUID},127.0.0.1:9092)} carries the caller's audio and keys into the same call
 * (which ends when that connection closes).
 */
public final class BridgeAgiApp implements AgiApp {
    private static final Logger log = LoggerFactory.getLogger(BridgeAgiApp.class);
    /** Every key: prompts are interruptible by all of them so that no key is lost while one plays. */
    public static final String ALL_KEYS = "0123456789*#";
    /** WAIT FOR DIGIT timeout between checks for queued commands. */
    static final int WAIT_MILLIS = 250;

    private final Bridge bridge;
    private final String via;
    private final AudioSocketJoins joins;

    /**
     * @param via   how calls come in ("fastagi", "relay", "asyncagi")
     * @param joins where to register the call's AudioSocket UUID, or null when AudioSocket is off
     */
    public BridgeAgiApp(Bridge bridge, String via, AudioSocketJoins joins) {
        this.bridge = Objects.requireNonNull(bridge, "bridge");
        this.via = Objects.requireNonNull(via, "via");
        this.joins = joins;
    }

    @Override
    public void run(AgiChannel channel) {
        run(channel, call -> { });
    }

    /** Runs the call; {@code onOpen} gets the call as soon as it is open (the relay feeds it audio levels). */
    public void run(AgiChannel channel, Consumer<Call> onOpen) {
        run(channel, onOpen, call -> { });
    }

    /**
     * Runs the call; {@code onOpen} gets it as soon as it is open, {@code onAnswered} once Asterisk answered it (ARI
     * then asks for the caller's audio). Neither may block for long: keys are read only after them.
     */
    public void run(AgiChannel channel, Consumer<Call> onOpen, Consumer<Call> onAnswered) {
        // a call handed off to AudioSocket is an AudioSocket call from its first event on: its audio and keys come
        // that way, and the page, the logs and every app name one way in for one call
        boolean handOff = channel.environment().query().containsKey("audiosocket");
        CallInfo info = callInfo(channel.environment(), handOff ? AudioSocketIngress.VIA : via);
        Commands commands = new Commands();
        Call call = bridge.open(info, commands::submit);
        String cause = "caller";
        try {
            onOpen.accept(call);
            cause = serve(channel, call, commands, onAnswered);
        } catch (RuntimeException e) {
            log.warn("call {}: bridge app failed: {}", LogText.escape(call.id()), LogText.escape(e), e);
            cause = "error: " + e.getMessage();
        } finally {
            commands.close("call hung up");
            if (cause != null) {
                call.hangup(cause);
            }
        }
    }

    /** AudioSocket hand-off: returns null (the call stays up) when the UUID is set, else the hangup cause. */
    private String handOff(AgiChannel channel, Call call, Commands commands) {
        if (joins == null) {
            channel.verbose("Tinyphone: ?audiosocket asked for, but the AudioSocket listener is off "
                    + "(audiosocket.enabled=false)", 1);
            return "audiosocket is off";
        }
        UUID uuid = joins.register(call);
        channel.setVariable(AudioSocketJoins.VARIABLE, uuid.toString());
        commands.close("the call's audio went to AudioSocket: talk-back needs the AGI session (FastAGI or relay)");
        call.attachControl(AudioSocketIngress.hangupOnlyControl(call));
        return null;
    }

    /** The loop; returns the hangup cause, or null if the call lives on without this session. */
    private String serve(AgiChannel channel, Call call, Commands commands, Consumer<Call> onAnswered) {
        try {
            channel.answer();
            onAnswered.accept(call);
            if (channel.environment().query().containsKey("audiosocket")) {
                return handOff(channel, call, commands);
            }
            while (true) {
                Pending next = commands.poll();
                if (next != null) {
                    CommandResult result;
                    try {
                        result = execute(channel, call, next.command());
                    } catch (AgiHangupException e) {
                        next.future().complete(CommandResult.failed("call hung up during " + next.command().kind()));
                        return "caller";
                    } catch (AgiException e) {
                        next.future().complete(CommandResult.failed(next.command().kind() + " failed: " + e.getMessage()));
                        if (channel.isHungUp()) {
                            return "caller";
                        }
                        continue;
                    }
                    next.future().complete(result);
                    if (next.command() instanceof CallCommand.Hangup) {
                        return "app";
                    }
                    continue;
                }
                DigitResult r = channel.waitForDigit(WAIT_MILLIS);
                if (r.pressed()) {
                    call.keypress(r.digit());
                } else if (r.failed()) {
                    return "caller";
                }
            }
        } catch (AgiHangupException e) {
            return "caller";
        } catch (AgiException e) {
            if (channel.isHungUp()) {
                return "caller";
            }
            log.warn("call {}: AGI session failed: {}", LogText.escape(call.id()), LogText.escape(e));
            return "agi error: " + e.getMessage();
        }
    }

    private static CommandResult execute(AgiChannel channel, Call call, CallCommand command) {
        return switch (command) {
            case CallCommand.Play p -> play(channel, call, p);
            case CallCommand.SayNumber s -> interrupted(channel, call, channel.sayNumber(s.number(), ALL_KEYS), "say_number");
            case CallCommand.SayDigits s -> interrupted(channel, call, channel.sayDigits(s.digits(), ALL_KEYS), "say_digits");
            case CallCommand.CollectDigits c -> collect(channel, call, c);
            case CallCommand.SetVariable v -> {
                channel.setVariable(v.name(), v.value());
                yield CommandResult.ok("");
            }
            case CallCommand.Hangup h -> {
                channel.hangup();
                yield CommandResult.ok("");
            }
            // the call's media streams run these (Call.submit); they never reach a command channel
            case CallCommand.Media m -> throw new IllegalStateException(m.kind() + " reached the AGI session");
        };
    }

    /** STREAM FILE with every key as escape; a key outside the command's escape digits resumes at endpos. */
    private static CommandResult play(AgiChannel channel, Call call, CallCommand.Play play) {
        long offset = 0;
        while (true) {
            DigitResult r = offset == 0 ? channel.streamFile(play.file(), ALL_KEYS)
                    : channel.streamFile(play.file(), ALL_KEYS, offset);
            if (r.failed()) {
                if (hungUpNow(channel)) {
                    throw hungUp("hangup during playback");
                }
                return CommandResult.failed(offset == 0 && r.endpos() <= 0
                        ? "cannot play '" + play.file() + "' (no such sound file?)"
                        : "playback of '" + play.file() + "' failed");
            }
            if (!r.pressed()) {
                return CommandResult.ok("");
            }
            char key = r.digit();
            call.keypress(key);
            if (play.escapeDigits().indexOf(key) >= 0) {
                return CommandResult.ok(String.valueOf(key));
            }
            if (r.endpos() < offset) {
                return CommandResult.ok("");   // it went backwards: do not loop
            }
            offset = r.endpos();
        }
    }

    private static CommandResult interrupted(AgiChannel channel, Call call, DigitResult r, String what) {
        if (r.failed()) {
            if (hungUpNow(channel)) {
                throw hungUp("hangup during " + what);
            }
            return CommandResult.failed(what + " failed (result " + r.code() + ")");
        }
        if (r.pressed()) {
            call.keypress(r.digit());
            return CommandResult.ok(String.valueOf(r.digit()));
        }
        return CommandResult.ok("");
    }

    /** Plays the prompt, then takes keys until maxDigits, '#' or a pause of the timeout; each key is reported. */
    private static CommandResult collect(AgiChannel channel, Call call, CallCommand.CollectDigits c) {
        StringBuilder digits = new StringBuilder();
        if (!c.prompt().isEmpty()) {
            DigitResult r = channel.streamFile(c.prompt(), ALL_KEYS);
            if (r.failed() && hungUpNow(channel)) {
                throw hungUp("hangup during collect_digits");
            }
            if (r.pressed()) {
                call.keypress(r.digit());
                if (r.digit() == '#') {
                    return CommandResult.ok("");
                }
                digits.append(r.digit());
            }
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, c.timeout().toMillis());
        while (digits.length() < c.maxDigits()) {
            DigitResult r = channel.waitForDigit(timeout);
            if (r.failed()) {
                throw hungUp("hangup during collect_digits");
            }
            if (!r.pressed()) {
                break;
            }
            call.keypress(r.digit());
            if (r.digit() == '#') {
                break;
            }
            digits.append(r.digit());
        }
        return CommandResult.ok(digits.toString());
    }

    /**
     * After a failed result: did the caller hang up? Asterisk's HANGUP notice may come only after the failed reply
     * (or not at all with AGISIGHUP=no), so ask CHANNEL STATUS, which a dead channel answers with 511.
     */
    private static boolean hungUpNow(AgiChannel channel) {
        if (channel.isHungUp()) {
            return true;
        }
        try {
            channel.channelStatus();
            return channel.isHungUp();
        } catch (AgiHangupException e) {
            return true;
        }
    }

    private static AgiHangupException hungUp(String what) {
        return new AgiHangupException(what, (org.tinyphone.agi.AgiReply) null);
    }

    /** The call as Asterisk describes it. */
    static CallInfo callInfo(AgiEnvironment env, String via) {
        String number = env.query().getOrDefault("number", "");
        if (number.isBlank()) {
            number = env.dnid();
        }
        if (number.isBlank()) {
            number = env.extension();
        }
        String id = env.uniqueId().isBlank() ? UUID.randomUUID().toString() : env.uniqueId();
        return new CallInfo(id, env.callerId(), env.callerIdName(), number, env.args(), env.channel(), via, null);
    }

    private record Pending(CallCommand command, CompletableFuture<CommandResult> future) {}

    /**
     * The hand-off of a call's commands to its AGI thread, which runs the waiting one between two WAIT FOR DIGITs. It
     * holds at most one: the bridge orders a call's commands ({@code Call.submit}) and hands the next over only once
     * the previous one is answered ({@code CallControl}), so no second queue orders them again here.
     */
    private static final class Commands {
        private final ReentrantLock lock = new ReentrantLock();
        private Pending waiting; // guarded by lock
        private boolean closed;  // guarded by lock

        CompletableFuture<CommandResult> submit(CallCommand command) {
            CompletableFuture<CommandResult> future = new CompletableFuture<>();
            lock.lock();
            try {
                if (closed) {
                    future.complete(CommandResult.failed("call has ended"));
                } else if (waiting != null) { // the bridge never does this (CallControl): say so rather than lose one
                    future.complete(CommandResult.failed(command.kind() + ": another command is still waiting to run"));
                } else {
                    waiting = new Pending(command, future);
                }
            } finally {
                lock.unlock();
            }
            return future;
        }

        /** The command waiting to run, taken, or null. */
        Pending poll() {
            lock.lock();
            try {
                Pending p = waiting;
                waiting = null;
                return p;
            } finally {
                lock.unlock();
            }
        }

        void close(String reason) {
            Pending left;
            lock.lock();
            try {
                closed = true;
                left = waiting;
                waiting = null;
            } finally {
                lock.unlock();
            }
            if (left != null) left.future().complete(CommandResult.failed(reason));
        }
    }
}
