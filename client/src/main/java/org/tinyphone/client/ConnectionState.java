package org.tinyphone.client;

/** Where a {@link TinyphoneClient}'s connection stands. */
public enum ConnectionState {
    /** Connected; subscriptions are (re)sent. */
    CONNECTED,
    /** The connection went away (the reason is given); commands in flight failed. */
    LOST,
    /** Waiting before the next connection attempt. */
    RECONNECTING,
    /** {@link TinyphoneClient#close()} was called, or the connection was lost and reconnecting is off. */
    CLOSED
}
