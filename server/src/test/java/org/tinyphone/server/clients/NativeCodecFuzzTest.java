package org.tinyphone.server.clients;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CallState;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.server.bridge.Numbers;
import org.tinyphone.server.bridge.TalkbackPolicy;

/**
 * The native dialect, as it arrives over TCP lines and over WebSocket: {@link NativeCodec#decode} either gives a
 * well-formed message (a number in its normal form, a command that passed its own checks) or a
 * {@link ProtocolException} with one of the documented codes and a message; a command the bridge's
 * {@link TalkbackPolicy} lets through stays within the caller's own call. And what we send (events, replies echoing
 * the client's id) is one line of JSON that reads back to the very values.
 */
class NativeCodecFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CODES = Set.of("bad_json", "bad_message", "unsupported_version", "unknown_type", "bad_command");
    private static final Path SOUNDS = Path.of("/var/lib/asterisk/sounds");
    private static final Path OPERATOR_SOUNDS = Path.of("/srv/tinyphone/sounds");
    /** The default policy, and one of an operator who allows CALLERID() and absolute sounds in one directory. */
    private static final List<TalkbackPolicy> POLICIES = List.of(TalkbackPolicy.DEFAULT,
            new TalkbackPolicy(Set.of("CALLERID"), List.of(OPERATOR_SOUNDS)));

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
                case ClientMessage.Subscribe s -> number(s.number());
                case ClientMessage.Unsubscribe u -> number(u.number());
                case ClientMessage.Command c -> {
                    require(c.call() != null && c.command() != null, "a command on a call");
                    talkBack(c.command());
                }
                case ClientMessage.Listen l -> require(l.call() != null && l.format() != null, "a listen to a call, in a format");
                case ClientMessage.StopListen s -> require(s.call() != null, "a stop_listen of a call");
                case ClientMessage.Ping p -> { }
            }
        }

        // what we send back: one line of JSON each, every value read back as it was
        if (callId.isBlank()) return;
        CallInfo info = new CallInfo(callId, caller, reason, "13605162099", List.of(caller, reason), reason, "fastagi", Instant.EPOCH);
        List<String> sent = List.of(NativeCodec.event(new CallEvent.NewCaller(info, Instant.EPOCH)),
                NativeCodec.event(new CallEvent.Hangup(callId, callId, reason, Instant.EPOCH)),
                NativeCodec.subscribed(id, callId, org.tinyphone.server.access.AccessPolicy.Level.FULL,
                        List.of(new CallState(info, "12#", 7))),
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

    /** Numbers arrive in the one form the bridge compares them in. */
    private static void number(String n) {
        require(!n.isBlank() && n.length() <= 64, () -> "a number of 1..64 characters: " + n);
        require(Numbers.normalize(n).equals(n), () -> "a number in its normal form: " + n);
    }

    /**
     * What the bridge's talk-back policy lets through can only touch the caller's own call: a sound inside
     * Asterisk's sounds (or inside a directory the operator listed), a plain channel variable that steers nothing
     * (or a function the operator allowed by name). What it refuses, it says why in printable words.
     */
    private static void talkBack(CallCommand command) {
        for (TalkbackPolicy policy : POLICIES) {
            String refused = policy.refusal(command);
            if (refused != null) {
                require(!refused.isBlank() && refused.chars().noneMatch(c -> c < 0x20 || c == 0x7f),
                        () -> "a refusal says why, printably: " + refused);
                continue;
            }
            switch (command) {
                case CallCommand.Play p -> sound(p.file(), policy);
                case CallCommand.CollectDigits c -> { if (!c.prompt().isEmpty()) sound(c.prompt(), policy); }
                case CallCommand.SetVariable v -> variable(v.name(), policy);
                case CallCommand.SendAudio a -> require(a.audio().length > 0 && a.audio().length % a.format().bytesPerSample() == 0,
                        () -> "audio back is whole samples: " + a);
                default -> { }
            }
        }
    }

    private static void sound(String name, TalkbackPolicy policy) {
        require(name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '\\' && c != ':' && c != '.'),
                () -> "an allowed sound has no space, dot, colon, backslash or control character: " + name);
        Path resolved = SOUNDS.resolve(name).normalize();
        boolean inSounds = !name.startsWith("/") && resolved.startsWith(SOUNDS) && !resolved.equals(SOUNDS);
        boolean inOperatorDir = policy != TalkbackPolicy.DEFAULT && name.startsWith("/")
                && Path.of(name).normalize().startsWith(OPERATOR_SOUNDS) && !Path.of(name).normalize().equals(OPERATOR_SOUNDS);
        require(inSounds || inOperatorDir, () -> "an allowed sound stays inside the sounds: " + name);
    }

    private static void variable(String name, TalkbackPolicy policy) {
        int paren = name.indexOf('(');
        if (paren >= 0) {
            require(policy != TalkbackPolicy.DEFAULT && name.substring(0, paren).equalsIgnoreCase("CALLERID")
                    && name.endsWith(")"), () -> "only a function the operator allowed may be written: " + name);
            return;
        }
        String bare = name.replaceFirst("^_{1,2}", "").toUpperCase(Locale.ROOT);
        require(bare.matches("[A-Z][A-Z0-9_]*"), () -> "an allowed variable is a plain name: " + name);
        for (String reserved : TalkbackPolicy.RESERVED_PREFIXES) {
            require(!bare.startsWith(reserved), () -> "a variable that steers Asterisk or Tinyphone is refused: " + name);
        }
    }

    private static String text(FuzzedDataProvider data, int maxBytes) {
        return new String(data.consumeBytes(data.consumeInt(0, maxBytes)), UTF_8);
    }
}
