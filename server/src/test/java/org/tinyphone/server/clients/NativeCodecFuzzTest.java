package org.tinyphone.server.clients;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.testkit.fuzz.FuzzCheck.documented;
import static org.tinyphone.testkit.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CallState;
import org.tinyphone.server.bridge.CommandResult;

/**
 * The native dialect, as it arrives over TCP lines and over WebSocket: {@link NativeCodec#decode} either gives a
 * well-formed message (a command that passed its own checks) or a {@link ProtocolException} with one of the
 * documented codes and a message. And what we send (events, replies echoing the client's id) is one line of JSON
 * that reads back to the very values.
 */
class NativeCodecFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CODES = Set.of("bad_json", "bad_message", "unsupported_version", "unknown_type", "bad_command");

    @FuzzTest
    @DictionaryFile(resourcePath = "native.dict")
    void message(FuzzedDataProvider data) throws IOException {
        String callId = text(data, 40);
        String caller = text(data, 40);
        String reason = text(data, 60);
        String message = new String(data.consumeRemainingAsBytes(), UTF_8);

        ClientMessage m = null;
        try {
            m = NativeCodec.decode(message);
        } catch (ProtocolException e) {
            documented(e, ProtocolException.class);
            require(CODES.contains(e.code()), () -> "a documented error code: " + e.code());
        }
        JsonNode id = m == null ? null : m.id();
        if (m != null) {
            require(id == null || id.isTextual() || id.isNumber(), "an id is a string or a number");
            switch (m) {
                case ClientMessage.Subscribe s -> require(!s.number().isBlank() && s.number().length() <= 64, "a number of 1..64 characters");
                case ClientMessage.Unsubscribe u -> require(!u.number().isBlank(), "a number");
                case ClientMessage.Command c -> require(c.call() != null && c.command() instanceof CallCommand, "a command on a call");
                case ClientMessage.Ping p -> { }
            }
        }

        // what we send back: one line of JSON each, every value read back as it was
        if (callId.isBlank()) return;
        CallInfo info = new CallInfo(callId, caller, reason, "13605162099", List.of(caller, reason), reason, "fastagi", Instant.EPOCH);
        List<String> sent = List.of(NativeCodec.event(new CallEvent.NewCaller(info, Instant.EPOCH)),
                NativeCodec.event(new CallEvent.Hangup(callId, callId, reason, Instant.EPOCH)),
                NativeCodec.subscribed(id, callId, List.of(new CallState(info, "12#", 7))),
                NativeCodec.result(id, callId, CommandResult.failed(reason)),
                NativeCodec.error(id, "bad_message", reason), NativeCodec.disconnect(reason));
        for (String line : sent) {
            require(line.indexOf('\n') < 0 && line.indexOf('\r') < 0 && line.indexOf('\0') < 0, () -> "one line: " + line);
            JsonNode back = JSON.readTree(line);
            require(back.get("v").asInt() == NativeCodec.VERSION, "every message says its version");
            if (back.has("id")) require(back.get("id").equals(id), "the client's id comes back as sent");
        }
        JsonNode ev = JSON.readTree(sent.get(0));
        require(ev.get("call").textValue().equals(callId) && ev.get("caller_id").textValue().equals(caller)
                && ev.get("args").get(1).textValue().equals(reason), "event values read back as they are");
        JsonNode bye = JSON.readTree(sent.get(5));
        require(bye.get("reason").textValue().equals(reason), "the reason reads back as it is");
    }

    private static String text(FuzzedDataProvider data, int maxBytes) {
        return new String(data.consumeBytes(data.consumeInt(0, maxBytes)), UTF_8);
    }
}
