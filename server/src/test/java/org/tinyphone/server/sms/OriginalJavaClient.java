package org.tinyphone.server.sms;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsing rules of the original Java/Processing client (itp-redial/tinyphone-javaclient), written here from its
 * documented behaviour, not copied: a line loses every {@code { } "}, is split on {@code ,} and each part on {@code :};
 * the event type is told by its first letters; an SMS's value is {@code <sender>|<text URI-encoded>}, handed to
 * {@code smsEvent} as the caller number and the decoded message.
 */
final class OriginalJavaClient {
    private OriginalJavaClient() {}

    /** id, event and value of one line, as the client's loop reads them (a value with , or : would be cut). */
    static Map<String, String> parse(String line) {
        String message = line.replaceAll("[{}\"]", "");
        Map<String, String> out = new HashMap<>();
        for (String param : message.split(",")) {
            String[] kv = param.split(":");
            if (kv.length < 2) continue;
            switch (kv[0]) {
                case "id" -> out.put("id", kv[1]);
                case "event" -> out.put("event", kv[1].startsWith("sms") ? "sms" : kv[1]);
                case "value" -> out.put("value", kv[1]);
                default -> { }
            }
        }
        return out;
    }

    /** What {@code smsEvent} gets: the caller number and the message. */
    static List<String> smsEvent(Map<String, String> parsed) {
        String[] parts = parsed.get("value").split("\\|", 2);
        return List.of(parts[0], URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
    }
}
