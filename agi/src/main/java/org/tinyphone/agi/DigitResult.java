package org.tinyphone.agi;

/**
 * Outcome of a command that can be interrupted by a key (STREAM FILE, CONTROL STREAM FILE, GET OPTION, SAY *,
 * WAIT FOR DIGIT) or that reads a character (RECEIVE CHAR).
 *
 * @param code   Asterisk's result: the ASCII code of the key pressed, 0 for none (played to the end or
 *               timed out), negative on failure (error, missing file, hangup)
 * @param endpos the sample offset where playback stopped, or -1 when Asterisk did not report one
 */
public record DigitResult(int code, long endpos) {

    static DigitResult of(AgiReply reply) {
        return new DigitResult(reply.resultCode(), reply.endpos().orElse(-1));
    }

    /** A key was pressed: {@link #digit()} tells which. */
    public boolean pressed() { return code > 0; }

    /** The key pressed ({@code '0'..'9'}, {@code '*'}, {@code '#'}, {@code 'A'..'D'}). @throws IllegalStateException if none */
    public char digit() {
        if (code <= 0) throw new IllegalStateException("no key was pressed (result=" + code + ")");
        return (char) code;
    }

    /** No key: the prompt played to its end, or the wait timed out. */
    public boolean none() { return code == 0; }

    /** Same as {@link #none()}, for the waiting commands (WAIT FOR DIGIT, GET OPTION, RECEIVE CHAR). */
    public boolean timedOut() { return code == 0; }

    /** Asterisk reported a failure: missing file, error, or the channel went away. */
    public boolean failed() { return code < 0; }

    @Override
    public String toString() {
        String what = pressed() ? "pressed '" + digit() + "'" : none() ? "none" : "failed(" + code + ")";
        return "DigitResult[" + what + (endpos >= 0 ? ", endpos=" + endpos : "") + "]";
    }
}
