package org.tinyphone.server.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A config file's settings, from its bytes: UTF-8 text, properties, or the original hub's config.json
 * ({@link OriginalHubConfig}) when it is named *.json or starts with '{'. No I/O but {@link #bytes}.
 */
final class ConfigFile {
    /** One setting as the file gives it: name, value (trimmed) and where it came from, for messages. */
    record Setting(String name, String value, String source) {}

    private ConfigFile() {}

    /** The whole file; a {@link ConfigException} if it cannot be read. */
    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file not found: " + file);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The settings of {@code file}, whose bytes are {@code content}: properties in key order, config.json in its order. */
    static List<Setting> settings(Path file, byte[] content) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException("cannot read config file " + file + ": not UTF-8 (" + e.getMessage() + ")", e);
        }
        List<Setting> out = new ArrayList<>();
        if (OriginalHubConfig.isJson(file, text)) {
            for (Map.Entry<String, OriginalHubConfig.Setting> e : OriginalHubConfig.read(file, text).entrySet()) {
                out.add(new Setting(e.getKey(), e.getValue().value(), "file " + file + " (" + e.getValue().from() + ")"));
            }
            return out;
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> sorted = new TreeMap<>();
        for (String n : p.stringPropertyNames()) sorted.put(n, p.getProperty(n).trim());
        sorted.forEach((name, value) -> out.add(new Setting(name, value, "file " + file)));
        return out;
    }
}
