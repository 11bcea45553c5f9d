package org.tinyphone.server.clients;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.tinyphone.server.bridge.CallEvent;

/**
 * Remembers the bytes of recent events so that an event sent to many clients is encoded once per dialect and
 * framing, not once per client: every client gets the same UTF-8 array (which nobody modifies). Lock-free and
 * bounded: a slot per hash, the newest event wins it. Events are records, so two equal events have the same
 * text and sharing it is always right.
 */
final class EncodingCache {
    private record Entry(CallEvent event, byte[] bytes) {}

    private final AtomicReferenceArray<Entry> slots;
    private final int mask;
    private final Function<CallEvent, String> encoder;
    private final String suffix;

    /** @param suffix appended to each encoded event before it is turned into bytes (a line terminator, or "") */
    EncodingCache(int size, Function<CallEvent, String> encoder, String suffix) {
        int n = Integer.highestOneBit(Math.max(16, size - 1) << 1);
        this.slots = new AtomicReferenceArray<>(n);
        this.mask = n - 1;
        this.encoder = encoder;
        this.suffix = suffix;
    }

    /** The event's text plus the suffix, as UTF-8; shared, so never to be modified. */
    byte[] encode(CallEvent event) {
        int i = (event.hashCode() * 0x9E3779B9) >>> 7 & mask;
        Entry e = slots.get(i);
        if (e != null && e.event() == event) return e.bytes();
        if (e != null && e.event().equals(event)) return e.bytes();
        byte[] bytes = (encoder.apply(event) + suffix).getBytes(StandardCharsets.UTF_8);
        slots.set(i, new Entry(event, bytes));
        return bytes;
    }
}
