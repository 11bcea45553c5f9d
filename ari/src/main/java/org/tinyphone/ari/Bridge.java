package org.tinyphone.ari;

import java.time.Instant;
import java.util.List;

/** A bridge: channels that hear each other ({@code mixing}) or wait together ({@code holding}). */
public record Bridge(String id, String technology, String bridgeType, String bridgeClass, String creator, String name,
                     List<String> channels, Instant creationtime, String videoMode) {
    public Bridge {
        channels = channels == null ? List.of() : List.copyOf(channels);
    }
}
