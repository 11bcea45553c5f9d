package org.tinyphone.relay;

/**
 * What a {@link RelaySession} reports besides the AGI bytes. Called on the session's reader thread, in order;
 * keep it quick (hand off anything slow). Every method has an empty default.
 */
public interface RelayListener {

    /** Caller audio from EAGI fd 3 (s16le, 8 kHz mono), any chunking; the array is reused after the call. */
    default void audio(byte[] pcm, int offset, int length) {}

    /** One level per 66 ms window of audio (see {@link org.tinyphone.audio.level.LevelMeter}). */
    default void level(int peak, int rms) {}

    /** The relay got SIGHUP: the channel hung up. The AGI session stays usable for dead-channel-safe commands. */
    default void hangup() {}

    /** The relay is gone (END frame, closed connection, or {@link RelaySession#close()}); called exactly once. */
    default void ended(String reason) {}
}
