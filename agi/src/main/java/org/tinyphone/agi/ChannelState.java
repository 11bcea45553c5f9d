package org.tinyphone.agi;

/** CHANNEL STATUS result: Asterisk's channel state. */
public enum ChannelState {
    /** -1: no channel by that name. */
    NO_SUCH_CHANNEL(-1),
    /** 0: down and available. */
    DOWN(0),
    /** 1: down, but reserved. */
    RESERVED(1),
    /** 2: off hook. */
    OFF_HOOK(2),
    /** 3: digits (or equivalent) have been dialed. */
    DIALING(3),
    /** 4: line is ringing (an incoming call not answered yet). */
    RING(4),
    /** 5: remote end is ringing. */
    RINGING(5),
    /** 6: line is up (answered). */
    UP(6),
    /** 7: line is busy. */
    BUSY(7),
    /** 8: dialing while off hook. */
    DIALING_OFFHOOK(8),
    /** 9: channel detected incoming call before ringing. */
    PRERING(9),
    /** Any other code (see {@link #code()} of the reply). */
    UNKNOWN(Integer.MIN_VALUE);

    private final int code;

    ChannelState(int code) { this.code = code; }

    /** Asterisk's numeric state. */
    public int code() { return code; }

    /** The state for a CHANNEL STATUS result code. */
    public static ChannelState of(int code) {
        for (ChannelState s : values()) if (s.code == code) return s;
        return UNKNOWN;
    }
}
