package org.tinyphone.server.clients;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.tinyphone.server.bridge.CallEvent;

/**
 * Remembers the text of recent events so that an event sent to many clients is encoded once per dialect,
 * not once per client. Lock-free and bounded: a slot per hash, the newest event wins it. Events are records,
 * so two equal events have the same text and sharing it is always right.
 */
final class EncodingCache {
    private record Entry(CallEvent event, String text) {}

    private final AtomicReferenceArray<Entry> slots;
    private final int mask;
    private final Function<CallEvent, String> encoder;

    EncodingCache(int size, Function<CallEvent, String> encoder) {
        int n = Integer.highestOneBit(Math.max(16, size - 1) << 1);
        this.slots = new AtomicReferenceArray<>(n);
        this.mask = n - 1;
        this.encoder = encoder;
    }

    String encode(CallEvent event) {
        int i = (event.hashCode() * 0x9E3779B9) >>> 7 & mask;
        Entry e = slots.get(i);
        if (e != null && e.event() == event) return e.text();
        if (e != null && e.event().equals(event)) return e.text();
        String text = encoder.apply(event);
        slots.set(i, new Entry(event, text));
        return text;
    }
}
