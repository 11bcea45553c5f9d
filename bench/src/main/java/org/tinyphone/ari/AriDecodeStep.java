package org.tinyphone.ari;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The bench's door to the ARI reader's decode step ({@code AriJson} is package-private; this class lives in the
 * bench module only): what {@code StasisRuntime.onMessage} does with a message's text before it hands the event to
 * a call's queue: the typed record read straight from the text ({@code AriJson.direct}), else the JSON tree, then
 * the record for its {@code type} (or {@link AriEvent.Other}).
 */
public final class AriDecodeStep {
    private AriDecodeStep() {}

    /** One event message's text to its event; throws for text that is not JSON or a known type in an impossible shape. */
    public static AriEvent decode(String text) throws JsonProcessingException {
        AriEvent direct = AriJson.direct(text);
        if (direct != null) return direct;
        JsonNode n = AriJson.tree(text);
        return AriJson.event(n.path("type").asText(), n);
    }
}
