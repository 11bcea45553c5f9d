package org.tinyphone.client;

/**
 * Receives a client's events, one at a time, in the order the server sent them, on the client's reader thread.
 * Return quickly: a listener that blocks holds up reading, and the server will first coalesce audio levels for
 * this client and then disconnect it.
 */
@FunctionalInterface
public interface TinyphoneListener {
    void onEvent(TinyphoneEvent event);

    /** The connection changed state; {@code reason} says why for {@link ConnectionState#LOST}. */
    default void onConnection(ConnectionState state, String reason) {}
}
