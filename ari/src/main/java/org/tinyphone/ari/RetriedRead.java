package org.tinyphone.ari;

import java.time.Duration;
import java.util.function.Function;

/**
 * A read that is safe to repeat, where a failure must not pass for "not set": as a call starts (its dialed number,
 * Asterisk's version) and during it (GET VARIABLE, CHANNEL STATUS, ...: see {@code AriAgiChannel}). Requests with
 * effects (play, hangup, set variable) are never sent through here: Asterisk may have done one it did not answer.
 * Asterisk's answer is final, whatever it says: a value (also {@code ""}), 404 {@code Provided variable
 * was not found}, any other 4xx. A failure that may pass is tried again, {@link #ATTEMPTS} times in all with short
 * pauses: no answer within {@link #MAX_WAIT} (or the client's {@code restTimeout} if shorter), a lost connection, a
 * 5xx. So one lost request or a moment of overload does not route a call to the wrong number, and the worst case
 * (Asterisk answers nothing at all) costs about what one request at the default {@code restTimeout} did. What still
 * fails is returned with its reason, for the caller to report.
 */
final class RetriedRead {
    /** Tries in all, the first one included. */
    static final int ATTEMPTS = 3;
    /** The longest wait for each answer; Asterisk answers a variable read in about a millisecond (capture 09a). */
    static final Duration MAX_WAIT = Duration.ofSeconds(3);
    /** The pause before the second try; twice that before the third. */
    static final Duration PAUSE = Duration.ofMillis(100);

    private RetriedRead() {}

    /**
     * What a read came to: its value, or the last failure ({@code failure} not null) after {@code attempts} tries.
     */
    record Outcome<T>(T value, AriException failure, int attempts) {
        boolean failed() { return failure != null; }

        /** True when the read stopped because this thread was interrupted (the client is closing), not because of Asterisk. */
        boolean interrupted() { return failed() && Thread.currentThread().isInterrupted(); }
    }

    /** Runs {@code read} on the call's REST (each request waiting at most {@link #MAX_WAIT}), again while it fails in a way that may pass. */
    static <T> Outcome<T> read(StasisCall call, Function<Ari, T> read) { return read(call.ari(MAX_WAIT), read); }

    /** Runs {@code read} on {@code ari} (whose requests should wait at most {@link #MAX_WAIT}), again while it fails in a way that may pass. */
    static <T> Outcome<T> read(Ari ari, Function<Ari, T> read) {
        for (int attempt = 1; ; attempt++) {
            try {
                return new Outcome<>(read.apply(ari), null, attempt);
            } catch (AriException e) {
                if (attempt == ATTEMPTS || !mayPass(e) || !pause(PAUSE.multipliedBy(attempt))) return new Outcome<>(null, e, attempt);
            }
        }
    }

    /** A failure worth another try: no answer or a lost connection (unless this thread is being interrupted), or a 5xx. */
    static boolean mayPass(AriException e) {
        if (e instanceof AriHttpException h) return h.status() >= 500;
        return e instanceof AriConnectionException && !Thread.currentThread().isInterrupted();
    }

    private static boolean pause(Duration d) {
        try {
            Thread.sleep(d);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
