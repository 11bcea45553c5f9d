package org.tinyphone.server.bridge;

import java.util.List;

/**
 * Receives a number's calls. Both methods are called while the bridge holds the number's lock:
 * they must not block (a client enqueues and returns).
 */
public interface Subscriber {
    /** The calls in progress on {@code number} at the moment of subscribing; called once, before any event. */
    default void onSnapshot(String number, List<CallState> calls) {}

    void onEvent(CallEvent event);
}
