package org.tinyphone.server.clients;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import org.tinyphone.server.access.AccessPolicy;
import org.tinyphone.server.bridge.AudioFormat;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CallState;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.server.bridge.Numbers;

/**
 * The native dialect, version {@value #VERSION} (no I/O): one JSON object per message, the same over
 * WebSocket and over TCP (one per line). See docs/protocol.md.
 */
public final class NativeCodec {
    public static final int VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private NativeCodec() {}

    // ---- server → client

    public static String event(CallEvent event) {
        return write(g -> {
            head(g, event.type());
            g.writeStringField(event instanceof CallEvent.Sms ? "message_id" : "call", event.callId());
            g.writeStringField("number", event.number());
            switch (event) {
                case CallEvent.NewCaller n -> callFields(g, n.info());
                case CallEvent.Keypress k -> g.writeStringField("value", String.valueOf(k.digit()));
                case CallEvent.AudioLevel a -> g.writeNumberField("value", a.level());
                case CallEvent.Hangup h -> g.writeStringField("cause", h.cause());
                case CallEvent.Stream st -> {
                    g.writeStringField("status", st.status());
                    g.writeStringField("detail", st.detail());
                }
                case CallEvent.Sms m -> {
                    g.writeStringField("from", m.from());
                    g.writeStringField("body", m.body());
                }
            }
            g.writeNumberField("ts", event.time().toEpochMilli());
        });
    }

    /**
     * The reply to subscribe: the number, what the client may do on it ({@code access}: {@code watch}, or {@code full}
     * with commands and audio) and the calls in progress on it.
     */
    public static String subscribed(JsonNode id, String number, AccessPolicy.Level access, List<CallState> calls) {
        return write(g -> {
            head(g, "subscribed");
            id(g, id);
            g.writeStringField("number", number);
            g.writeStringField("access", access.name().toLowerCase(java.util.Locale.ROOT));
            g.writeArrayFieldStart("calls");
            for (CallState c : calls) {
                g.writeStartObject();
                g.writeStringField("call", c.info().callId());
                g.writeStringField("number", c.info().dnid());
                callFields(g, c.info());
                g.writeStringField("keys", c.keys());
                g.writeNumberField("audio_level", c.audioLevel());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** One 20 ms frame of a call's audio for a client that listens. */
    static String audio(AudioListens.Frame f) {
        return write(g -> {
            head(g, "audio");
            g.writeStringField("call", f.call());
            g.writeStringField("number", f.number());
            g.writeStringField("format", f.format().wireName());
            g.writeNumberField("seq", f.seq());
            g.writeNumberField("lost", f.lost());
            g.writeNumberField("ts", f.time());
            g.writeFieldName("payload");
            g.writeBinary(f.audio()); // base64, as Jackson writes it: the standard alphabet with padding, no line breaks
        });
    }

    /** A client's listen to a call ended: why, and how many frames it was given and lost. */
    static String audioEnd(AudioListens.End e) {
        return write(g -> {
            head(g, "audio_end");
            g.writeStringField("call", e.call());
            g.writeStringField("number", e.number());
            g.writeStringField("reason", e.reason());
            g.writeNumberField("frames", e.frames());
            g.writeNumberField("lost", e.lost());
            g.writeNumberField("ts", e.time());
        });
    }

    public static String unsubscribed(JsonNode id, String number) {
        return write(g -> {
            head(g, "unsubscribed");
            id(g, id);
            g.writeStringField("number", number);
        });
    }

    public static String result(JsonNode id, String call, CommandResult r) {
        return write(g -> {
            head(g, "result");
            id(g, id);
            g.writeStringField("call", call);
            g.writeBooleanField("ok", r.ok());
            if (r.ok()) g.writeStringField("value", r.value());
            else g.writeStringField("error", r.error());
        });
    }

    public static String error(JsonNode id, String code, String message) {
        return write(g -> {
            head(g, "error");
            id(g, id);
            g.writeStringField("code", code);
            g.writeStringField("message", message);
        });
    }

    public static String pong(JsonNode id) {
        return write(g -> {
            head(g, "pong");
            id(g, id);
        });
    }

    /** Sent first on every native connection. */
    public static String hello(String server) {
        return write(g -> {
            head(g, "hello");
            g.writeStringField("server", server);
            g.writeNumberField("protocol", VERSION);
        });
    }

    /** Sent (when possible) before the server closes a connection. */
    public static String disconnect(String reason) {
        return write(g -> {
            head(g, "disconnect");
            g.writeStringField("reason", reason);
        });
    }

    private static void head(JsonGenerator g, String type) throws IOException {
        g.writeNumberField("v", VERSION);
        g.writeStringField("type", type);
    }

    private static void id(JsonGenerator g, JsonNode id) throws IOException {
        if (id != null && !id.isNull() && !id.isMissingNode()) {
            g.writeFieldName("id");
            MAPPER.writeTree(g, id);
        }
    }

    private static void callFields(JsonGenerator g, CallInfo info) throws IOException {
        g.writeStringField("caller_id", info.callerId());
        g.writeStringField("caller_name", info.callerName());
        g.writeArrayFieldStart("args");
        for (String a : info.args()) g.writeString(a);
        g.writeEndArray();
        g.writeStringField("channel", info.channel());
        g.writeStringField("via", info.via());
        g.writeNumberField("started", info.started().toEpochMilli());
    }

    /** The fields of one JSON object, written with Jackson's streaming generator. */
    public interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** One JSON object of the fields {@code body} writes (also the media streams' Twilio messages). */
    public static String object(Body body) {
        return write(body);
    }

    private static String write(Body body) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    // ---- client → server

    /** Decodes one client message; a wrong one becomes a {@link ProtocolException} with a clear message. */
    public static ClientMessage decode(String text) throws ProtocolException {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ProtocolException("bad_json", "not JSON: " + e.getOriginalMessage(), null);
        }
        if (root == null || !root.isObject()) {
            throw new ProtocolException("bad_message", "a message must be a JSON object", null);
        }
        JsonNode id = root.get("id");
        // (a number beyond a double's range reads as Infinity, which could not be echoed as the number sent)
        if (id != null && !(id.isTextual() || id.isNumber() && Double.isFinite(id.doubleValue()))) {
            throw new ProtocolException("bad_message", "id must be a string or a finite number", null);
        }
        JsonNode v = root.get("v");
        if (v != null && !(v.isIntegralNumber() && v.asInt() == VERSION)) {
            throw new ProtocolException("unsupported_version", "this server speaks protocol version " + VERSION
                    + " (send \"v\":" + VERSION + " or leave v out)", id);
        }
        String type = text(root, "type", id, true);
        return switch (type) {
            case "subscribe" -> new ClientMessage.Subscribe(id, number(root, id), text(root, "token", id, false));
            case "unsubscribe" -> new ClientMessage.Unsubscribe(id, number(root, id));
            case "command" -> commandMessage(root, id, text(root, "call", id, true));
            case "ping" -> new ClientMessage.Ping(id);
            default -> throw new ProtocolException("unknown_type",
                    "unknown message type '" + type + "' (expected subscribe, unsubscribe, command or ping)", id);
        };
    }

    /** The number in its {@link Numbers#normalize normal form}, as the bridge routes by it. */
    private static String number(JsonNode root, JsonNode id) throws ProtocolException {
        JsonNode n = root.get("number");
        if (n != null && n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0) return n.asText();
        String s = Numbers.normalize(text(root, "number", id, true));
        String problem = Numbers.problem(s);
        if (problem != null) throw new ProtocolException("bad_message", problem, id);
        return s;
    }

    /** A command: the client's own listen, or one for the call. */
    private static ClientMessage commandMessage(JsonNode root, JsonNode id, String call) throws ProtocolException {
        String kind = text(root, "command", id, true);
        try {
            return switch (kind) {
                case "listen" -> new ClientMessage.Listen(id, call, AudioFormat.parse(Objects.requireNonNullElse(
                        text(root, "format", id, false), AudioFormat.ULAW.wireName())));
                case "stop_listen" -> new ClientMessage.StopListen(id, call);
                default -> new ClientMessage.Command(id, call, callCommand(root, id, kind));
            };
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("bad_command", kind + ": " + e.getMessage(), id);
        }
    }

    private static CallCommand callCommand(JsonNode root, JsonNode id, String kind) throws ProtocolException {
        try {
            return switch (kind) {
                case "play" -> new CallCommand.Play(text(root, "file", id, true), text(root, "escape_digits", id, false));
                case "say_number" -> new CallCommand.SayNumber(longValue(root, "number", id));
                case "say_digits" -> new CallCommand.SayDigits(text(root, "digits", id, true));
                case "collect_digits" -> new CallCommand.CollectDigits(text(root, "prompt", id, false),
                        (int) optionalLong(root, "max_digits", 1, id),
                        Duration.ofMillis(optionalLong(root, "timeout_ms", 5000, id)));
                case "set_variable" -> new CallCommand.SetVariable(text(root, "name", id, true), text(root, "value", id, false));
                case "hangup" -> new CallCommand.Hangup();
                case "stream" -> new CallCommand.Stream(text(root, "url", id, true));
                case "stop_stream" -> new CallCommand.StopStream();
                case "send_audio" -> new CallCommand.SendAudio(AudioFormat.parse(text(root, "format", id, true)),
                        base64(text(root, "payload", id, true)));
                case "clear_audio" -> new CallCommand.ClearAudio();
                default -> throw new ProtocolException("bad_command", "unknown command '" + kind + "' (expected play, "
                        + "say_number, say_digits, collect_digits, set_variable, hangup, stream, stop_stream, listen, "
                        + "stop_listen, send_audio or clear_audio)", id);
            };
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ProtocolException("bad_command", kind + ": " + e.getMessage(), id);
        }
    }

    /** Base64 (the standard alphabet, padding optional; no line breaks). */
    private static byte[] base64(String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("payload must be base64 (" + e.getMessage() + ")");
        }
    }

    private static String text(JsonNode root, String field, JsonNode id, boolean required) throws ProtocolException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            if (required) throw new ProtocolException("bad_message", "missing field '" + field + "'", id);
            return null;
        }
        if (n.getNodeType() != JsonNodeType.STRING) {
            throw new ProtocolException("bad_message", "field '" + field + "' must be a string", id);
        }
        return n.textValue();
    }

    private static long longValue(JsonNode root, String field, JsonNode id) throws ProtocolException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) throw new ProtocolException("bad_message", "missing field '" + field + "'", id);
        if (n.isIntegralNumber() && n.canConvertToLong()) return n.longValue();
        if (n.isTextual()) {
            try {
                return Long.parseLong(n.textValue().trim());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new ProtocolException("bad_message", "field '" + field + "' must be a whole number", id);
    }

    private static long optionalLong(JsonNode root, String field, long dflt, JsonNode id) throws ProtocolException {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? dflt : longValue(root, field, id);
    }
}
