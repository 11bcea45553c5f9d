package org.tinyphone.client;

import java.time.Instant;
import java.util.List;

/**
 * What the server tells a subscribed client, in order per call ({@link Hangup} is a call's last event), and the text
 * messages sent to a watched number ({@link Sms}).
 */
public sealed interface TinyphoneEvent {

    /** The dialed number the event belongs to. */
    String number();

    /** A call arrived on a watched number. */
    record NewCaller(String callId, String number, String callerId, String callerName, List<String> args,
                     String via, Instant time) implements TinyphoneEvent {
        public NewCaller {
            args = args == null ? List.of() : List.copyOf(args);
        }
    }

    /** The caller pressed a key: 0-9, * or #. */
    record Keypress(String callId, String number, char key, Instant time) implements TinyphoneEvent {}

    /** The caller's audio level, 0..32768, about 15 times a second while audio flows. */
    record AudioLevel(String callId, String number, int level, Instant time) implements TinyphoneEvent {}

    /** The call ended; nothing more comes for it. */
    record Hangup(String callId, String number, String cause, Instant time) implements TinyphoneEvent {}

    /**
     * A text message (SMS) to a watched number; it belongs to no call.
     *
     * @param messageId the server's id of the message
     * @param from      the sender's number, without a leading '+'
     * @param body      the text as sent
     */
    record Sms(String messageId, String number, String from, String body, Instant time) implements TinyphoneEvent {}

    /** The calls already in progress on a number, sent once right after subscribing (and after each reconnect). */
    record Snapshot(String number, List<CallInProgress> calls) implements TinyphoneEvent {
        public Snapshot {
            calls = List.copyOf(calls);
        }
    }

    /** A call in a {@link Snapshot}: what arrived, the keys pressed so far and the latest audio level. */
    record CallInProgress(String callId, String number, String callerId, String callerName, List<String> args,
                          Instant started, String keys, int audioLevel) {
        public CallInProgress {
            args = args == null ? List.of() : List.copyOf(args);
        }
    }
}
