package org.tinyphone.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The original hub's {@code config.json}, read as it is and mapped to Tinyphone's keys, so an operator swaps the hub
 * for Tinyphone without rewriting it: {@code enable_agi_connections}/{@code agi_host}/{@code agi_port} → the relay
 * listener (its AGI port, 12001), {@code enable_net_connections}/{@code net_port} → the TCP client listener,
 * {@code enable_web_connections}/{@code web_port} → the HTTP port (socket.io), {@code enable_sms_connections}/
 * {@code sms_port}/{@code sms_response} → the SMS webhook. A key the hub did not know is an error, as in the
 * properties format. Differences: a flag set to {@code false} turns its listener off (the hub read
 * {@code config.x || true}, so it could not be turned off), and a {@code null} value means "the default".
 */
public final class OriginalHubConfig {
    /** One mapped setting and the config.json key it came from. */
    public record Setting(String value, String from) {}

    /** config.json key → Tinyphone key. */
    static final Map<String, String> KEYS = Map.of(
            "enable_agi_connections", "relay.enabled",
            "agi_host", "relay.bind",
            "agi_port", "relay.port",
            "enable_net_connections", "clients.enabled",
            "net_port", "clients.port",
            "enable_web_connections", "http.enabled",
            "web_port", "http.port",
            "enable_sms_connections", "sms.enabled",
            "sms_port", "sms.port",
            "sms_response", "sms.response");
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private OriginalHubConfig() {}

    /** Whether a config file is JSON (named *.json, or its first non-blank character is '{'), given its text. */
    static boolean isJson(Path file, String text) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json") || text.stripLeading().startsWith("{");
    }

    /** Tinyphone key → value, in the file's order, from the file's text. */
    static Map<String, Setting> read(Path file, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException("cannot read config file " + file + ": not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException("config file " + file + " must be a JSON object, as the original hub's config.json");
        }
        Map<String, Setting> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = KEYS.get(e.getKey());
            if (key == null) {
                throw new ConfigException(TinyphoneConfig.unknown("config key '" + e.getKey() + "' (file " + file + ")",
                        e.getKey(), KEYS.keySet(), "'", "The original hub's config.json has "
                                + String.join(", ", new java.util.TreeSet<>(KEYS.keySet())) + "."));
            }
            JsonNode v = e.getValue();
            if (v.isNull()) continue;
            if (!(v.isBoolean() || v.isIntegralNumber() || v.isTextual())) {
                throw new ConfigException("config key " + e.getKey() + " (file " + file + ") must be a boolean, a number or "
                        + "a string, not " + v);
            }
            out.put(key, new Setting(v.asText(), e.getKey()));
        }
        return out;
    }
}
