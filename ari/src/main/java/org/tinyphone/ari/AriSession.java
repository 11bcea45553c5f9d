package org.tinyphone.ari;

/**
 * One events connection to Asterisk (an inbound events WebSocket, or one of Asterisk's outbound WebSockets) and
 * the REST transport calls that arrived on it use.
 */
abstract class AriSession {
    private final String where;
    private volatile String application;   // outbound: from ApplicationRegistered

    AriSession(String where) { this.where = where; }

    /** Where this connection goes, for messages (no credentials). */
    final String where() { return where; }

    /** The REST transport for calls that arrived here. */
    abstract RestTransport rest();

    /** Closes the connection (the runtime was told, or is closing). */
    abstract void close(String reason);

    /**
     * True once this connection ended and its calls cannot come back on another one (a per-call outbound connection):
     * a request that failed for want of it means the call is over for us, not a hiccup.
     */
    boolean endedForGood() { return false; }

    /** Outbound: the application Asterisk registered on this connection ({@code tinyphone-out}, or {@code app:channel} per call). */
    final String application() { return application; }

    final void application(String app) { this.application = app; }

    @Override
    public String toString() { return where; }
}
