package org.tinyphone.server.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import org.tinyphone.server.clients.NativeCodec;

/**
 * Twilio Media Streams' WebSocket messages (no I/O), as Twilio documents them
 * (twilio.com/docs/voice/media-streams/websocket-messages). To the app: {@code connected}, {@code start}, {@code media}
 * (track {@code inbound}), {@code dtmf} (track {@code inbound_track}), {@code mark} and {@code stop}; every message
 * after {@code connected} carries {@code sequenceNumber} (a string counting from "1") and {@code streamSid}. From the
 * app (bidirectional streams): {@code media}, {@code mark} and {@code clear}, parsed by {@link #parse}.
 */
public final class TwilioMessages {
    /** The {@code accountSid} of every stream: Tinyphone has no accounts, so one fixed SID of Twilio's form. */
    public static final String ACCOUNT_SID = "AC00000000000000000000000000000000";
    /** What {@code start.mediaFormat} says, and what {@code media} payloads are: µ-law, 8 kHz, mono. */
    public static final String ENCODING = "audio/x-mulaw";
    public static final int SAMPLE_RATE = 8000;
    /** µ-law bytes per {@code media} message: 20 ms at 8 kHz. */
    public static final int CHUNK_BYTES = 160;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TwilioMessages() {}

    /** The first message on a new connection. */
    public static String connected() {
        return write(g -> {
            g.writeStringField("event", "connected");
            g.writeStringField("protocol", "Call");
            g.writeStringField("version", "1.0.0");
        });
    }

    /** The stream's metadata, right after {@code connected}; {@code customParameters} in the given order. */
    public static String start(long sequence, String streamSid, String callSid, Map<String, String> customParameters) {
        return write(g -> {
            g.writeStringField("event", "start");
            g.writeStringField("sequenceNumber", Long.toString(sequence));
            g.writeObjectFieldStart("start");
            g.writeStringField("accountSid", ACCOUNT_SID);
            g.writeStringField("streamSid", streamSid);
            g.writeStringField("callSid", callSid);
            g.writeArrayFieldStart("tracks");
            g.writeString("inbound");
            g.writeEndArray();
            g.writeObjectFieldStart("customParameters");
            for (Map.Entry<String, String> e : customParameters.entrySet()) g.writeStringField(e.getKey(), e.getValue());
            g.writeEndObject();
            g.writeObjectFieldStart("mediaFormat");
            g.writeStringField("encoding", ENCODING);
            g.writeNumberField("sampleRate", SAMPLE_RATE);
            g.writeNumberField("channels", 1);
            g.writeEndObject();
            g.writeEndObject();
            g.writeStringField("streamSid", streamSid);
        });
    }

    /** A chunk of the caller's audio; {@code timestamp} in milliseconds since the stream started. */
    public static String media(long sequence, String streamSid, long chunk, long timestamp, byte[] ulaw) {
        return write(g -> {
            g.writeStringField("event", "media");
            g.writeStringField("sequenceNumber", Long.toString(sequence));
            g.writeObjectFieldStart("media");
            g.writeStringField("track", "inbound");
            g.writeStringField("chunk", Long.toString(chunk));
            g.writeStringField("timestamp", Long.toString(timestamp));
            g.writeStringField("payload", Base64.getEncoder().encodeToString(ulaw));
            g.writeEndObject();
            g.writeStringField("streamSid", streamSid);
        });
    }

    /** The caller pressed a key. */
    public static String dtmf(long sequence, String streamSid, char digit) {
        return write(g -> {
            g.writeStringField("event", "dtmf");
            g.writeStringField("streamSid", streamSid);
            g.writeStringField("sequenceNumber", Long.toString(sequence));
            g.writeObjectFieldStart("dtmf");
            g.writeStringField("track", "inbound_track");
            g.writeStringField("digit", String.valueOf(digit));
            g.writeEndObject();
        });
    }

    /** The audio the app sent before its mark {@code name} has played (or was cleared). */
    public static String mark(long sequence, String streamSid, String name) {
        return write(g -> {
            g.writeStringField("event", "mark");
            g.writeStringField("sequenceNumber", Long.toString(sequence));
            g.writeStringField("streamSid", streamSid);
            g.writeObjectFieldStart("mark");
            g.writeStringField("name", name);
            g.writeEndObject();
        });
    }

    /** The stream ended (the call hung up); the last message. */
    public static String stop(long sequence, String streamSid, String callSid) {
        return write(g -> {
            g.writeStringField("event", "stop");
            g.writeStringField("sequenceNumber", Long.toString(sequence));
            g.writeStringField("streamSid", streamSid);
            g.writeObjectFieldStart("stop");
            g.writeStringField("accountSid", ACCOUNT_SID);
            g.writeStringField("callSid", callSid);
            g.writeEndObject();
        });
    }

    /** A message from the app. */
    public sealed interface FromApp {
        /** Audio to play to the caller: µ-law 8 kHz, any length. */
        record Media(byte[] ulaw) implements FromApp {}

        /** Answer with a mark of this name once the audio sent before it has played. */
        record Mark(String name) implements FromApp {}

        /** Drop the audio waiting to be played. */
        record Clear() implements FromApp {}

        /** Not something a stream does: {@code why} says what was wrong (for the log). */
        record Ignored(String why) implements FromApp {}
    }

    /** Parses one text message from the app; never throws (a message that is no command is {@link FromApp.Ignored}). */
    public static FromApp parse(String text) {
        JsonNode m;
        try {
            m = MAPPER.readTree(text);
        } catch (IOException | RuntimeException e) {
            return new FromApp.Ignored("not JSON");
        }
        if (m == null || !m.isObject()) return new FromApp.Ignored("not a JSON object");
        JsonNode event = m.get("event");
        if (event == null || !event.isTextual()) return new FromApp.Ignored("no \"event\"");
        switch (event.asText()) {
            case "media" -> {
                JsonNode payload = m.path("media").get("payload");
                if (payload == null || !payload.isTextual()) return new FromApp.Ignored("media without media.payload");
                try {
                    return new FromApp.Media(Base64.getDecoder().decode(payload.asText()));
                } catch (IllegalArgumentException e) {
                    return new FromApp.Ignored("media.payload is not base64");
                }
            }
            case "mark" -> {
                JsonNode name = m.path("mark").get("name");
                if (name == null || !name.isTextual()) return new FromApp.Ignored("mark without mark.name");
                return new FromApp.Mark(name.asText());
            }
            case "clear" -> {
                return new FromApp.Clear();
            }
            default -> {
                return new FromApp.Ignored("unknown event");
            }
        }
    }

    private static String write(NativeCodec.Body body) {
        return NativeCodec.object(body);
    }
}
