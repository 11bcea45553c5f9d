package org.tinyphone.ami;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.tinyphone.ami.codec.AmiDecoder;
import org.tinyphone.ami.codec.AmiMessage;
import org.tinyphone.sim.Transcript;

/** What a real Asterisk sent in a capture, as bytes and as messages, for tests that need no socket. */
final class CapturedAsterisk {
    private CapturedAsterisk() {}

    /** Every line Asterisk sent in the capture, each ended with CRLF as on the wire (banner first). */
    static byte[] bytes(String capture) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String line : Transcript.load(capture).lines(Transcript.Dir.ASTERISK)) {
            out.writeBytes((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** The banner line of the capture. */
    static String banner(String capture) {
        return Transcript.load(capture).lines(Transcript.Dir.ASTERISK).get(0);
    }

    /** The response Asterisk sent to the captured action with this ActionID. */
    static AmiMessage response(String capture, String actionId) {
        List<AmiMessage> all = new ArrayList<>();
        byte[] b = bytes(capture);
        new AmiDecoder(true).feed(b, 0, b.length, new AmiDecoder.Listener() {
            @Override public void onMessage(AmiMessage m) { all.add(m); }
            @Override public void onError(String problem) { throw new IllegalStateException(capture + ": " + problem); }
        });
        return all.stream().filter(m -> m.isResponse() && actionId.equals(m.actionId())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(capture + " has no response with ActionID " + actionId));
    }

    /** The lines of {@code captured} with its ActionID replaced by {@code actionId}, followed by the blank line. */
    static byte[] answer(AmiMessage captured, String actionId) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < captured.size(); i++) {
            String key = captured.key(i);
            String value = "ActionID".equalsIgnoreCase(key) ? actionId : captured.value(i);
            sb.append(captured.isBare(i) ? value : key + ": " + value).append("\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }
}
