package org.tinyphone.ari;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Any text as a message on ARI's event WebSocket, decoded the way {@code StasisRuntime} decodes it: it is not
 * JSON ({@link JsonProcessingException}), or it becomes an event — a typed record, or {@link AriEvent.Other} with
 * its JSON when a known type comes in a shape the record cannot take — whose every field reads; Asterisk's
 * timestamps that are not timestamps read as null, never as an error.
 */
class AriEventFuzzTest {

    @FuzzTest
    @DictionaryFile(resourcePath = "ari.dict")
    void event(byte[] message) {
        String text = new String(message, UTF_8);
        AriJson.parseTime(text);  // a time that is not one reads as null, never as an error
        AriEvent direct = AriJson.direct(text);   // the one-pass read: never an error, and only what the tree reads the same
        JsonNode n;
        try {
            n = AriJson.tree(text);
        } catch (JsonProcessingException e) {
            documented(e, JsonProcessingException.class);
            require(direct == null, "the one-pass read took text that is not JSON");
            return;
        }
        if (n == null || !n.isObject()) {
            require(direct == null, "the one-pass read took what is not an object");
            return;
        }
        JsonNode t = n.get("type");
        if (t == null || !t.isTextual() || t.asText().isEmpty()) {
            require(direct == null, "the one-pass read took a message without a type");
            return;
        }
        String type = t.asText();
        AriEvent e;
        try {
            e = AriJson.event(type, n);
        } catch (JsonProcessingException ex) {
            documented(ex, JsonProcessingException.class);
            e = AriJson.other(type, n);
        }
        require(e.type().equals(type), () -> "the event is of the type it says: " + type);
        AriEvent tree = e;
        require(direct == null || direct.equals(tree), () -> "the one-pass read differs from the tree's: " + direct + " / " + tree);
        e.timestamp();
        e.application();
        e.channelId();
        e.toString();
        switch (e) {
            case AriEvent.StasisStart s -> require(s.args() != null && s.args().stream().noneMatch(java.util.Objects::isNull),
                    "arguments are never null");   // (an immutable list's contains(null) throws)
            case AriEvent.ChannelDtmfReceived d -> d.digit();
            case AriEvent.ChannelHangupRequest h -> h.isSoft();
            default -> { }
        }
    }
}
