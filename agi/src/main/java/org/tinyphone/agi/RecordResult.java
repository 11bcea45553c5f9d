package org.tinyphone.agi;

/**
 * Outcome of RECORD FILE, e.g. {@code 200 result=35 (dtmf) endpos=0} or {@code 200 result=0 (timeout) endpos=0}.
 *
 * @param code   ASCII code of the key that ended the recording, 0 if none, negative on failure
 * @param ending why it ended as Asterisk says it ({@code dtmf}, {@code timeout}, {@code hangup}, {@code writefile},
 *               {@code randomerror}), or {@code ""}
 * @param endpos samples recorded (end position), -1 if not reported
 */
public record RecordResult(int code, String ending, long endpos) {

    static RecordResult of(AgiReply reply) {
        return new RecordResult(reply.resultCode(), reply.data() == null ? "" : reply.data(), reply.endpos().orElse(-1));
    }

    /** A key ended the recording. */
    public boolean pressed() { return code > 0; }

    /** The key that ended the recording. @throws IllegalStateException if none */
    public char digit() {
        if (code <= 0) throw new IllegalStateException("no key ended the recording (" + ending + ")");
        return (char) code;
    }

    /** The recording ended by timeout or silence. */
    public boolean timedOut() { return "timeout".equals(ending); }

    /** The caller hung up during the recording. */
    public boolean hungUp() { return "hangup".equals(ending); }

    /** Asterisk reported a failure. */
    public boolean failed() { return code < 0; }
}
