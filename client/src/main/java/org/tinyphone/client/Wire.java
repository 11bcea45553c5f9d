package org.tinyphone.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The native dialect (protocol version 1, see docs/protocol.md) without I/O: requests out, typed messages in. */
final class Wire {
    static final int VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Wire() {}

    /** A decoded server message. */
    sealed interface Message {
        /** A call event. */
        record Event(TinyphoneEvent event) implements Message {}

        /** The answer to one request ({@code subscribed} → Snapshot, {@code result} → CommandResult, ...). */
        record Answer(String requestId, Object value) implements Message {}

        /** An error, for a request (requestId set) or for the connection. */
        record Error(String requestId, String message) implements Message {}

        /** 20 ms of a call's audio, for a listen. */
        record Audio(AudioFrame frame) implements Message {}

        /** A listen ended. */
        record AudioEnd(String callId, String reason, long frames, long lost) implements Message {}

        /** Something this client does not need (hello, pong, a newer message type). */
        record Ignored(String type) implements Message {}
    }

    static String subscribe(String id, String number, String token) {
        ObjectNode n = request("subscribe", id).put("number", number);
        if (token != null) {
            n.put("token", token);
        }
        return n.toString();
    }

    static String unsubscribe(String id, String number) {
        return request("unsubscribe", id).put("number", number).toString();
    }

    static String command(String id, String callId, String command, Map<String, Object> args) {
        ObjectNode n = request("command", id).put("call", callId).put("command", command);
        args.forEach((k, v) -> n.set(k, MAPPER.valueToTree(v)));
        return n.toString();
    }

    static String ping(String id) {
        return request("ping", id).toString();
    }

    private static ObjectNode request(String type, String id) {
        return MAPPER.createObjectNode().put("type", type).put("id", id);
    }

    /** @throws IllegalArgumentException if the line is not a JSON object with a type */
    static Message decode(String line) {
        JsonNode root;
        try {
            root = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || !root.path("type").isTextual()) {
            throw new IllegalArgumentException("not a message (a JSON object with a type)");
        }
        String type = root.get("type").asText();
        String requestId = root.hasNonNull("id") ? root.get("id").asText() : null;
        String call = root.path("call").asText("");
        String number = root.path("number").asText("");
        Instant ts = time(root.path("ts"));
        return switch (type) {
            case "new_caller" -> new Message.Event(new TinyphoneEvent.NewCaller(call, number,
                    root.path("caller_id").asText(""), root.path("caller_name").asText(""), strings(root.path("args")),
                    root.path("via").asText(""), time(root.path("started"))));
            case "keypress" -> {
                String key = root.path("value").asText("");
                if (key.length() != 1) {
                    throw new IllegalArgumentException("keypress without a key");
                }
                yield new Message.Event(new TinyphoneEvent.Keypress(call, number, key.charAt(0), ts));
            }
            case "audio_level" -> new Message.Event(new TinyphoneEvent.AudioLevel(call, number,
                    root.path("value").asInt(0), ts));
            case "hangup" -> new Message.Event(new TinyphoneEvent.Hangup(call, number, root.path("cause").asText(""),
                    ts));
            case "audio" -> new Message.Audio(new AudioFrame(call, number, AudioFormat.of(root.path("format").asText())
                    .orElseThrow(() -> new IllegalArgumentException("audio in an unknown format")), root.path("seq").asLong(),
                    root.path("lost").asLong(), ts, base64(root.path("payload").asText(""))));
            case "audio_end" -> new Message.AudioEnd(call, root.path("reason").asText(""), root.path("frames").asLong(),
                    root.path("lost").asLong());
            case "sms" -> new Message.Event(new TinyphoneEvent.Sms(root.path("message_id").asText(""), number,
                    root.path("from").asText(""), root.path("body").asText(""), ts));
            case "subscribed" -> new Message.Answer(requestId, snapshot(number, root.path("calls")));
            case "unsubscribed" -> new Message.Answer(requestId, number);
            case "result" -> new Message.Answer(requestId, root.path("ok").asBoolean(false)
                    ? CommandResult.ok(root.path("value").asText(""))
                    : CommandResult.failed(root.path("error").asText("command failed")));
            case "error" -> new Message.Error(requestId, root.path("code").asText("error") + ": "
                    + root.path("message").asText(""));
            case "disconnect" -> new Message.Error(null, "server disconnects: " + root.path("reason").asText(""));
            default -> new Message.Ignored(type);
        };
    }

    private static byte[] base64(String text) {
        try {
            return java.util.Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("audio whose payload is not base64");
        }
    }

    private static TinyphoneEvent.Snapshot snapshot(String number, JsonNode calls) {
        List<TinyphoneEvent.CallInProgress> list = new ArrayList<>();
        for (JsonNode c : calls) {
            list.add(new TinyphoneEvent.CallInProgress(c.path("call").asText(""), c.path("number").asText(""),
                    c.path("caller_id").asText(""), c.path("caller_name").asText(""), strings(c.path("args")),
                    time(c.path("started")), c.path("keys").asText(""), c.path("audio_level").asInt(0)));
        }
        return new TinyphoneEvent.Snapshot(number, list);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asText());
        }
        return out;
    }

    private static Instant time(JsonNode millis) {
        return millis.canConvertToLong() ? Instant.ofEpochMilli(millis.asLong()) : Instant.now();
    }
}
