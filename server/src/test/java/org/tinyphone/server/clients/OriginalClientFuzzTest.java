package org.tinyphone.server.clients;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.tinyphone.net.LineReader;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.sim.fuzz.SegmentedInputStream;

/**
 * The original hub's client dialect on port 12002, any bytes cut anywhere: the line reader splits at {@code \n}
 * and {@code \0} exactly as the hub did and stands in {@link LineReader.TooLong} for a line beyond its limit (then
 * goes on); {@code CONNECT} lines parse as the hub parsed them. And the other way: what we send such a client is
 * JSON that a JavaScript client reads back to exactly the values we meant, on one line.
 */
class OriginalClientFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest
    @DictionaryFile(resourcePath = "original-client.dict")
    void client(FuzzedDataProvider data) throws IOException {
        int max = data.consumeInt(1, 300);
        int[] cuts = {data.consumeInt(1, 9000), data.consumeInt(1, 5)};
        String callId = text(data, 40);
        String caller = text(data, 40);
        List<String> args = List.of(text(data, 30), text(data, 30));
        byte[] wire = data.consumeRemainingAsBytes();

        LineReader reader = new LineReader(new SegmentedInputStream(wire, cuts), TcpClientServer.linePolicy(max));
        List<String> got = new ArrayList<>();
        for (LineReader.Line next; !((next = reader.next()) instanceof LineReader.End); ) {
            if (next instanceof LineReader.TooLong) {
                got.add(null);
                continue;
            }
            String line = ((LineReader.Text) next).text();
            require(line.indexOf('\n') < 0 && line.indexOf('\0') < 0, "a line holds no terminator");
            got.add(line);
            connect(line);
        }
        require(got.equals(expectedLines(wire, max)), () -> "lines " + got + ", expected " + expectedLines(wire, max));

        // what we send: JSON.stringify's form, one line, read back to the very values
        if (callId.isBlank()) return;
        CallInfo info = new CallInfo(callId, caller, "", "13605162099", args, "", "fastagi", Instant.EPOCH);
        for (CallEvent e : List.of(new CallEvent.NewCaller(info, Instant.EPOCH),
                new CallEvent.Keypress(callId, "1", '#', Instant.EPOCH), new CallEvent.Hangup(callId, "1", caller, Instant.EPOCH))) {
            String sent = OriginalCodec.encode(e);
            require(sent.indexOf('\n') < 0 && sent.indexOf('\0') < 0 && sent.indexOf('\r') < 0, "one line, no terminator inside");
            JsonNode back = JSON.readTree(sent);
            require(back.get("id").textValue().equals(callId), "the id reads back as it is");
            if (e instanceof CallEvent.NewCaller) {
                require(back.get("value").textValue().equals(OriginalCodec.newCallValue(info)), "the value reads back as it is");
            }
        }
    }

    /** CONNECT,<id>,<number>,NULL|CR: exactly four comma-separated fields, the first CONNECT. */
    private static void connect(String line) {
        Optional<OriginalCodec.Connect> c = OriginalCodec.parseConnect(line);
        String[] f = line.split(",", -1);
        require(c.isPresent() == (f.length == 4 && f[0].equals("CONNECT")), "CONNECT exactly as the hub read it");
        c.ifPresent(k -> require(k.clientId().equals(f[1]) && k.number().equals(f[2])
                && k.terminator() == (f[3].equals("NULL") ? '\0' : '\n'), "the fields as sent"));
    }

    /** The hub's framing: a line ends at \n or \0; a last line without either still counts; null for too long. */
    private static List<String> expectedLines(byte[] wire, int max) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < wire.length) {
            int end = start;
            while (end < wire.length && wire[end] != '\n' && wire[end] != 0) end++;
            lines.add(end - start > max ? null : new String(Arrays.copyOfRange(wire, start, end), UTF_8));
            start = end + 1;
        }
        return lines;
    }

    private static String text(FuzzedDataProvider data, int maxBytes) {
        return new String(data.consumeBytes(data.consumeInt(0, maxBytes)), UTF_8);
    }
}
