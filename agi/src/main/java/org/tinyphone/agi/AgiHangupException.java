package org.tinyphone.agi;

/**
 * The caller hung up (Asterisk's {@code HANGUP} notice, a {@code 511} reply, or the connection ended).
 * Thrown once by the command that noticed it; the app may still run dead-channel-safe clean-up
 * (VERBOSE, GET VARIABLE, NOOP, DATABASE ...) afterwards while the connection stays open.
 */
public class AgiHangupException extends AgiException {
    private final transient AgiReply reply;

    public AgiHangupException(String message, AgiReply reply) {
        super(message);
        this.reply = reply;
    }

    public AgiHangupException(String message, Throwable cause) {
        super(message, cause);
        this.reply = null;
    }

    /** The reply that came with the hangup (e.g. the 511 or the in-flight command's 200), or null. */
    public AgiReply reply() { return reply; }
}
