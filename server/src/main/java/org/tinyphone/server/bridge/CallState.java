package org.tinyphone.server.bridge;

/** A call in progress as seen in a snapshot: what arrived, the keys pressed so far and the latest audio level. */
public record CallState(CallInfo info, String keys, int audioLevel) {}
