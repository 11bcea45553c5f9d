package org.tinyphone.client;

/**
 * Receives the audio of a call the client {@link TinyphoneClient#listen listens} to, frame by frame in order, then its
 * end, on the client's reader thread (in order with the client's events). Return quickly: the server drops the frames
 * of a client that reads too slowly (never its events).
 */
@FunctionalInterface
public interface AudioListener {
    void onFrame(AudioFrame frame);

    /**
     * The listen ended: {@code reason} is {@code hangup} (the call ended; its hangup event follows), {@code stopped}
     * ({@link TinyphoneClient#stopListening}), {@code unsubscribed}, {@code audio ended} (the call goes on without audio),
     * or {@code connection lost: …} (this client's connection; listen again after reconnecting). {@code frames}: frames
     * of the call's audio while listening; {@code lost}: how many of them the server dropped (-1 when not known).
     */
    default void onEnd(String callId, String reason, long frames, long lost) {}
}
