package org.tinyphone.audio.audiosocket;

/** What {@link AudioSocketSession#next} returns: something the caller's side of the call did. */
public sealed interface AudioSocketEvent {

    /** A keypress (0-9 * # A-D). */
    record Dtmf(char digit) implements AudioSocketEvent {}

    /** One frame of the caller's audio: slin 16-bit little-endian mono at {@code sampleRate}. */
    record Audio(int sampleRate, byte[] pcm) implements AudioSocketEvent {
        @Override
        public String toString() {
            return "Audio[" + sampleRate + " Hz, " + pcm.length + " bytes]";
        }
    }

    /** The level of the last 66 ms of audio: peak absolute sample 0..32768 and RMS (see the level meter). */
    record Level(int peak, int rms) implements AudioSocketEvent {}

    /** Asterisk sent an error frame (it usually closes the connection next). */
    record Error(int code) implements AudioSocketEvent {}

    /** The session is over; returned again by every later {@code next}. */
    record Closed(CloseReason reason, String detail) implements AudioSocketEvent {}

    /** Why a session ended. */
    enum CloseReason {
        /** Asterisk closed the connection: the call hung up (Asterisk sends no hangup frame, it just closes). */
        PEER_CLOSED,
        /** Asterisk sent a hangup frame (0x00). */
        PEER_HANGUP,
        /** We sent a hangup frame and Asterisk closed the connection. */
        HANGUP_SENT,
        /** We closed the session. */
        LOCAL_CLOSE,
        /** The peer sent bytes that are not AudioSocket (detail says what). */
        PROTOCOL_ERROR,
        /** The connection failed (reset, timeout while writing, ...). */
        IO_ERROR
    }
}
