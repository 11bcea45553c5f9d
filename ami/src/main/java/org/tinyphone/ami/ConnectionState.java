package org.tinyphone.ami;

/** Life of a {@link ManagerConnection}, reported to state listeners in order. */
public enum ConnectionState {
    /** TCP connected and banner read, not yet logged in. */
    CONNECTED,
    /** Login accepted: actions may be sent. */
    LOGGED_IN,
    /** The connection dropped (EOF, error, keepalive Ping unanswered); pending actions were failed. */
    LOST,
    /** Trying to connect and log in again (with backoff). */
    RECONNECTING,
    /** Closed by {@link ManagerConnection#close()} (or lost with reconnect disabled); final. */
    CLOSED
}
