package org.tinyphone.server.stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;

/**
 * What a media stream app sends (Twilio Media Streams, from the app: {@code media}, {@code mark}, {@code clear}), on a
 * connection the server opened or one that connected in at {@code /streams/<number>}: {@link TwilioMessages#parse}
 * never throws, and turns anything into one of its four answers, an {@code Ignored} with one of its documented
 * reasons. What the app's messages become goes back out whole: a mark's name in our {@code mark} reply, and the
 * caller's audio in our {@code media} message, which reads back (as an app's own media) to the very bytes.
 */
class TwilioMessagesFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> REASONS = Set.of("not JSON", "not a JSON object", "no \"event\"",
            "media without media.payload", "media.payload is not base64", "mark without mark.name", "unknown event");

    @FuzzTest
    @DictionaryFile(resourcePath = "twilio.dict")
    void fromApp(FuzzedDataProvider data) throws IOException {
        byte[] audio = data.consumeBytes(data.consumeInt(0, 400));
        String text = new String(data.consumeRemainingAsBytes(), UTF_8);

        switch (TwilioMessages.parse(text)) {
            case TwilioMessages.FromApp.Media m -> {
                require(m.ulaw() != null, "media has its bytes");
                JsonNode payload = JSON.readTree(text).path("media").path("payload");
                require(Arrays.equals(m.ulaw(), Base64.getDecoder().decode(payload.asText())), "media is exactly its payload's bytes");
            }
            case TwilioMessages.FromApp.Mark k -> {
                require(k.name() != null, "a mark has its name");
                String reply = TwilioMessages.mark(7, "MZ1", k.name());
                require(reply.indexOf('\n') < 0 && reply.indexOf('\r') < 0, () -> "the mark reply is one line: " + reply);
                require(JSON.readTree(reply).path("mark").path("name").asText().equals(k.name()), "the mark comes back by its very name");
            }
            case TwilioMessages.FromApp.Clear c -> require(JSON.readTree(text).path("event").asText().equals("clear"), "clear is clear");
            case TwilioMessages.FromApp.Ignored i -> require(REASONS.contains(i.why()), () -> "a documented reason: " + i.why());
        }

        // the caller's audio as we send it reads back, as an app's media, to the very bytes
        String out = TwilioMessages.media(1, "MZ1", 1, 20, audio);
        require(out.indexOf('\n') < 0, "our media message is one line");
        require(TwilioMessages.parse(out) instanceof TwilioMessages.FromApp.Media m && Arrays.equals(m.ulaw(), audio),
                "our media reads back to its bytes");
    }
}
