package org.tinyphone.ami.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tinyphone.ami.AmiAction;

/**
 * Actions built from any keys and values (an app's, or a command line's): what {@link AmiAction#encode} accepts
 * must reach Asterisk as exactly one message with exactly those fields, read back by {@link AmiDecoder}; what it
 * cannot send that way it refuses with {@link IllegalArgumentException}. No value can smuggle in a field or a message.
 */
class AmiRoundTripFuzzTest {

    @FuzzTest
    void action(FuzzedDataProvider data) {
        List<Map.Entry<String, String>> expected = new ArrayList<>();
        AmiAction action;
        try {
            String name = text(data, 40);
            action = AmiAction.of(name);
            expected.add(Map.entry("Action", name));
            for (int i = data.consumeInt(0, 8); i > 0; i--) {
                String key = text(data, 24);
                String value = data.consumeBoolean() ? null : text(data, 300);
                action.add(key, value);
                expected.add(Map.entry(key, value == null ? "" : value));
            }
        } catch (IllegalArgumentException e) {
            documented(e, IllegalArgumentException.class);
            return;
        }
        String id = text(data, 30);
        byte[] wire;
        try {
            wire = action.encode(id);
        } catch (IllegalArgumentException e) {
            documented(e, IllegalArgumentException.class);
            return;
        }
        if (action.get("ActionID") == null) expected.add(Map.entry("ActionID", id));

        List<AmiMessage> got = new ArrayList<>();
        new AmiDecoder(false).feed(wire, 0, wire.length, new AmiDecoder.Listener() {
            @Override public void onMessage(AmiMessage m) { got.add(m); }
            @Override public void onError(String problem) { throw new AssertionError("the decoder refused what we encode: " + problem); }
        });
        require(got.size() == 1, () -> "one action is one message, not " + got.size());
        AmiMessage m = got.get(0);
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) fields.add(Map.entry(m.key(i), m.value(i)));
        require(fields.equals(expected), () -> "sent " + expected + ", read back " + fields);
    }

    /** Text as it reaches us, decoded from UTF-8 bytes. */
    private static String text(FuzzedDataProvider data, int maxBytes) {
        return new String(data.consumeBytes(data.consumeInt(0, maxBytes)), UTF_8);
    }
}
