package org.tinyphone.ami;

import org.tinyphone.ami.codec.AmiMessage;

/**
 * The {@code OriginateResponse} of an originate: success, Asterisk's reason code and the new channel.
 * Reason codes: 0 failed (e.g. no such extension), 1 hung up, 3 ringing (no answer in time), 4 answered,
 * 5 busy, 8 congestion.
 */
public record OriginateResult(boolean success, int reason, String channel, String uniqueId, AmiMessage event) {

    static OriginateResult of(AmiMessage m) {
        String uid = m.get("Uniqueid");
        if ("<unknown>".equals(uid)) uid = null;
        return new OriginateResult(m.is("Response", "Success"), m.getInt("Reason", -1), m.get("Channel"), uid, m);
    }

    /** A readable reason, e.g. {@code answered} or {@code busy}. */
    public String reasonText() {
        return switch (reason) {
            case 0 -> "failed (no such extension or channel could not be created)";
            case 1 -> "hung up";
            case 3 -> "ringing, not answered in time";
            case 4 -> "answered";
            case 5 -> "busy";
            case 8 -> "congestion";
            default -> "reason " + reason;
        };
    }
}
