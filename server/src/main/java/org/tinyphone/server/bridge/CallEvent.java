package org.tinyphone.server.bridge;

import java.time.Instant;

/**
 * What the bridge tells subscribers about a number: a call's events, in order per call ({@link Hangup} is always a
 * call's last), and text messages to the number ({@link Sms}, which belong to no call).
 */
public sealed interface CallEvent {
    /** The call's id; for an {@link Sms}, the message's own id. */
    String callId();

    /** The dialed number the call is routed by. */
    String number();

    Instant time();

    /** The event's type on the wire. */
    String type();

    /** A call arrived. */
    record NewCaller(CallInfo info, Instant time) implements CallEvent {
        @Override public String callId() { return info.callId(); }
        @Override public String number() { return info.dnid(); }
        @Override public String type() { return "new_caller"; }
    }

    /** The caller pressed a key: 0-9, * or #. */
    record Keypress(String callId, String number, char digit, Instant time) implements CallEvent {
        @Override public String type() { return "keypress"; }
    }

    /** The caller's audio level over the last ~1/15 s, 0..32768. */
    record AudioLevel(String callId, String number, int level, Instant time) implements CallEvent {
        @Override public String type() { return "audio_level"; }
    }

    /** The call ended; {@code cause} says how (e.g. "caller", "app", "relay closed", "server stopping"). */
    record Hangup(String callId, String number, String cause, Instant time) implements CallEvent {
        @Override public String type() { return "hangup"; }
    }

    /**
     * The call's media stream to an app (docs/streams.md) changed: {@code status} is {@code connected} (detail: the
     * app's URL without its query) or {@code error} (detail: what failed, and whether it is retried). Never after the
     * call's hangup.
     */
    record Stream(String callId, String number, String status, String detail, Instant time) implements CallEvent {
        @Override public String type() { return "stream"; }
    }

    /**
     * A text message to the number (no call: {@code callId} is the message's own id, {@code <unix seconds>.<n>} as the
     * original hub made it). {@code from} is the sender's number without a leading '+'; {@code body} the text as sent.
     */
    record Sms(String callId, String number, String from, String body, Instant time) implements CallEvent {
        @Override public String type() { return "sms"; }
    }
}
