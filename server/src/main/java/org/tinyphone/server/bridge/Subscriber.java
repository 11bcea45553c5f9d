package org.tinyphone.server.bridge;

import java.util.List;

/**
 * Receives a number's calls. Both methods must not block (a client enqueues, or hands a frame to a socket that
 * has room, and returns): they are called while the bridge holds the number's lock, or, for a number with many
 * subscribers, by that number's delivery thread, one event after the other.
 */
public interface Subscriber {
    /** The calls in progress on {@code number} at the moment of subscribing; called once, before any event. */
    default void onSnapshot(String number, List<CallState> calls) {}

    void onEvent(CallEvent event);
}
