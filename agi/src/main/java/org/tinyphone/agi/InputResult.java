package org.tinyphone.agi;

/**
 * Outcome of GET DATA: the digits entered (the terminating {@code #} is not included).
 *
 * @param digits   the keys entered, possibly empty
 * @param timedOut the caller stopped typing before {@code maxDigits} or {@code #} ({@code (timeout)})
 * @param failed   Asterisk reported a failure ({@code result=-1}: error or hangup)
 */
public record InputResult(String digits, boolean timedOut, boolean failed) {

    static InputResult of(AgiReply reply) {
        String r = reply.result() == null ? "" : reply.result();
        if (r.equals("-1")) return new InputResult("", false, true);
        return new InputResult(r, "timeout".equals(reply.data()), false);
    }

    /** True if at least one key was entered. */
    public boolean hasDigits() { return !digits.isEmpty(); }
}
