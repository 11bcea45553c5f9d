package org.tinyphone.ari;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/** ARI's JSON (no I/O): Asterisk's snake_case names onto the records, its timestamps, and events decoded leniently. */
final class AriJson {
    /** Asterisk's timestamps: {@code 2026-12-04T13:33:44.312+0000} (offset without a colon). */
    private static final DateTimeFormatter ASTERISK_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss[.SSS][.SS][.S]xx");

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .addModule(new SimpleModule("ari-time").addDeserializer(Instant.class, new LenientInstant()))
            .build();

    static {
        // an event is a few KiB; these bounds keep a hostile one from costing much before it is refused
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64).maxStringLength(1 << 20).maxNumberLength(64).build());
    }

    private AriJson() {}

    /** Parses JSON text; throws {@link JsonProcessingException} for anything that is not JSON. */
    static JsonNode tree(String text) throws JsonProcessingException { return MAPPER.readTree(text); }

    /** A JSON node onto a record; throws if a field has an impossible shape. */
    static <T> T as(JsonNode node, Class<T> type) throws JsonProcessingException { return MAPPER.treeToValue(node, type); }

    static <T> List<T> listOf(JsonNode node, Class<T> type) throws JsonProcessingException {
        return MAPPER.treeToValue(node, MAPPER.getTypeFactory().constructCollectionType(List.class, type));
    }

    static ObjectNode object() { return MAPPER.createObjectNode(); }

    /** Parses Asterisk's time format (and ISO-8601); null for anything else. */
    static Instant parseTime(String s) {
        if (s == null || s.isEmpty()) return null;
        try {
            return OffsetDateTime.parse(s, ASTERISK_TIME).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    /** A typed event for the JSON, or {@link AriEvent.Other}; throws only if a known type has an impossible shape. */
    static AriEvent event(String type, JsonNode node) throws JsonProcessingException {
        Class<? extends AriEvent> c = switch (type) {
            case "StasisStart" -> AriEvent.StasisStart.class;
            case "StasisEnd" -> AriEvent.StasisEnd.class;
            case "ChannelDtmfReceived" -> AriEvent.ChannelDtmfReceived.class;
            case "ChannelHangupRequest" -> AriEvent.ChannelHangupRequest.class;
            case "ChannelDestroyed" -> AriEvent.ChannelDestroyed.class;
            case "ChannelStateChange" -> AriEvent.ChannelStateChange.class;
            case "ChannelVarset" -> AriEvent.ChannelVarset.class;
            case "PlaybackStarted" -> AriEvent.PlaybackStarted.class;
            case "PlaybackFinished" -> AriEvent.PlaybackFinished.class;
            case "RecordingFinished" -> AriEvent.RecordingFinished.class;
            case "RecordingFailed" -> AriEvent.RecordingFailed.class;
            case "ChannelEnteredBridge" -> AriEvent.ChannelEnteredBridge.class;
            case "ChannelLeftBridge" -> AriEvent.ChannelLeftBridge.class;
            case "Dial" -> AriEvent.Dial.class;
            default -> null;
        };
        if (c == null) return other(type, node);
        return MAPPER.treeToValue(node, c);
    }

    static AriEvent.Other other(String type, JsonNode node) {
        return new AriEvent.Other(type, parseTime(node.path("timestamp").asText(null)), text(node, "application"), node);
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString();
    }

    /** Asterisk's timestamps, and null (not a failure) for a value that is not one. */
    private static final class LenientInstant extends JsonDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.currentToken().isScalarValue()) {
                p.skipChildren();
                return null;
            }
            return parseTime(p.getValueAsString());
        }
    }
}
