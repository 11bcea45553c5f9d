package org.tinyphone.ari;

/** What a connection to Asterisk's ARI WebSocket is doing, told to state listeners in order. */
public enum AriConnectionState {
    /** Connected for the first time; events flow. */
    CONNECTED,
    /**
     * The WebSocket dropped (or went silent). Events of this time are lost: Asterisk keeps none. Calls stay in
     * Stasis meanwhile; REST over HTTP may still work.
     */
    LOST,
    /**
     * Connected again, and the calls still in Stasis were looked up ({@code GET /channels}): calls that ended
     * meanwhile got a {@code StasisEnd}, calls still there got {@link AriEvent.EventsMissed}, calls that entered
     * Stasis meanwhile were started.
     */
    RECONNECTED,
    /** Closed by the application; final. */
    CLOSED
}
