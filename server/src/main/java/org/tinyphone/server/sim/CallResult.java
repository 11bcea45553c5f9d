package org.tinyphone.server.sim;

import java.time.Duration;
import java.util.List;

/**
 * What happened on a simulated call.
 *
 * @param via        how the call came in
 * @param callId     the call's id as Asterisk gave it (uniqueid, or the AudioSocket UUID)
 * @param keys       the keys the caller pressed (taken by the server, or sent)
 * @param commands   the AGI command lines the server sent (empty for legacy and AudioSocket calls)
 * @param endedBy    who ended the call
 * @param audioFrames 20 ms audio frames sent
 * @param duration   from connect to close
 */
public record CallResult(Via via, String callId, String keys, List<String> commands, EndedBy endedBy,
                         long audioFrames, Duration duration) {

    /** Who ended a call. */
    public enum EndedBy {
        /** The caller hung up (the normal end of a simulated call). */
        CALLER,
        /** The server sent HANGUP or closed the session first. */
        SERVER
    }
}
