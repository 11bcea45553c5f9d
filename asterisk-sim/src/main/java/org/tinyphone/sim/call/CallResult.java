package org.tinyphone.sim.call;

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
 * @param audioBack  the audio the server played to the caller (AudioSocket calls; none for the other ways in)
 */
public record CallResult(Via via, String callId, String keys, List<String> commands, EndedBy endedBy,
                         long audioFrames, Duration duration, AudioBack audioBack) {

    public CallResult {
        audioBack = audioBack == null ? AudioBack.NONE : audioBack;
    }

    /** A call on which the server played no audio to the caller. */
    public CallResult(Via via, String callId, String keys, List<String> commands, EndedBy endedBy, long audioFrames,
                      Duration duration) {
        this(via, callId, keys, commands, endedBy, audioFrames, duration, AudioBack.NONE);
    }

    /**
     * The audio that came back to the caller.
     *
     * @param frames  audio frames received (20 ms each at 8 kHz)
     * @param samples the first {@link #MAX_KEPT_BYTES} of it: signed 16-bit little-endian mono at 8 kHz
     */
    public record AudioBack(long frames, byte[] samples) {
        /** At most ten minutes of audio back are kept (9.6 MB); the frames are counted to the end. */
        public static final int MAX_KEPT_BYTES = 10 * 60 * 8000 * 2;
        /** Nothing came back. */
        public static final AudioBack NONE = new AudioBack(0, new byte[0]);

        /** Seconds of audio that came back. */
        public double seconds() {
            return frames * 0.02;
        }
    }

    /** Who ended a call. */
    public enum EndedBy {
        /** The caller hung up (the normal end of a simulated call). */
        CALLER,
        /** The server sent HANGUP or closed the session first. */
        SERVER
    }
}
