package org.tinyphone.ari;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserSequence;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

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
        Instant fast = asteriskTime(s);
        if (fast != null) return fast;
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

    /**
     * The layout Asterisk writes ({@code 2026-12-04T13:33:44.312+0000}: milliseconds, an offset without a colon) read
     * by position, as every event carries one or two; null for any other text (the formatter then reads it).
     */
    private static Instant asteriskTime(String s) {
        if (s.length() != 28 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(19) != '.') return null;
        char sign = s.charAt(23);
        if (sign != '+' && sign != '-') return null;
        int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
        int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2), milli = digits(s, 20, 3);
        int offHours = digits(s, 24, 2), offMinutes = digits(s, 26, 2);
        if ((year | month | day | hour | minute | second | milli | offHours | offMinutes) < 0 || hour > 23 || minute > 59
                || second > 59 || offHours > 18 || offMinutes > 59) return null;
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null;
        }
        int offset = (offHours * 3600 + offMinutes * 60) * (sign == '-' ? -1 : 1);
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second - offset, milli * 1_000_000L);
    }

    /** The number written by {@code n} ASCII digits at {@code from}; -1 if one is not a digit. */
    private static int digits(String s, int from, int n) {
        int v = 0;
        for (int i = from; i < from + n; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    /** The events with a record, by {@code type}. */
    private static final Map<String, Class<? extends AriEvent>> TYPED = Map.ofEntries(
            Map.entry("StasisStart", AriEvent.StasisStart.class),
            Map.entry("StasisEnd", AriEvent.StasisEnd.class),
            Map.entry("ChannelDtmfReceived", AriEvent.ChannelDtmfReceived.class),
            Map.entry("ChannelHangupRequest", AriEvent.ChannelHangupRequest.class),
            Map.entry("ChannelDestroyed", AriEvent.ChannelDestroyed.class),
            Map.entry("ChannelStateChange", AriEvent.ChannelStateChange.class),
            Map.entry("ChannelVarset", AriEvent.ChannelVarset.class),
            Map.entry("PlaybackStarted", AriEvent.PlaybackStarted.class),
            Map.entry("PlaybackFinished", AriEvent.PlaybackFinished.class),
            Map.entry("RecordingFinished", AriEvent.RecordingFinished.class),
            Map.entry("RecordingFailed", AriEvent.RecordingFailed.class),
            Map.entry("ChannelEnteredBridge", AriEvent.ChannelEnteredBridge.class),
            Map.entry("ChannelLeftBridge", AriEvent.ChannelLeftBridge.class),
            Map.entry("Dial", AriEvent.Dial.class));

    /** A reader per record (readers are immutable and shared; looking one up per message costs more). */
    private static final Map<String, ObjectReader> READERS = TYPED.entrySet().stream()
            .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> MAPPER.readerFor(e.getValue())));

    /** Whether events of {@code type} have a record (else they arrive as {@link AriEvent.Other}). */
    static boolean isTyped(String type) { return TYPED.containsKey(type); }

    /** A typed event for the JSON, or {@link AriEvent.Other}; throws only if a known type has an impossible shape. */
    static AriEvent event(String type, JsonNode node) throws JsonProcessingException {
        Class<? extends AriEvent> c = TYPED.get(type);
        if (c == null) return other(type, node);
        return MAPPER.treeToValue(node, c);
    }

    /**
     * A typed event read straight from the message's text in one pass (the fields before {@code type}, which
     * Asterisk writes first for most events but not all, are kept aside and read after it); null for every other
     * message (not an object, a type without a record, a field twice, a shape the record cannot take, a REST
     * response), which the caller then reads as a tree to say what it is.
     */
    static AriEvent direct(String text) {
        try (JsonParser p = MAPPER.getFactory().createParser(text)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);   // a second "type" must not pass as the first
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            TokenBuffer before = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                if (!"type".equals(p.currentName())) {
                    if (before == null) before = new TokenBuffer(p);
                    before.copyCurrentStructure(p);   // the field and its value
                    continue;
                }
                if (p.nextToken() != JsonToken.VALUE_STRING) return null;
                ObjectReader reader = READERS.get(p.getText());
                if (reader == null) return null;
                // the record reads the object's fields from here: those kept aside, then the rest
                JsonParser fields = before == null ? p : JsonParserSequence.createFlattened(false, before.asParser(p), p);
                if (fields.nextToken() != JsonToken.FIELD_NAME) return null;   // only a type: the tree path reads it
                return reader.readValue(fields);
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
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
