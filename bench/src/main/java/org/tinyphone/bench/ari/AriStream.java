package org.tinyphone.bench.ari;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.tinyphone.sim.Transcript;

/**
 * The ARI event messages Asterisk 22.10.1 sent in captures 09a-09d (events WebSocket, outbound and per-call
 * connections), each as the text of one WebSocket message: what an ARI client's reader decodes. REST responses over
 * a WebSocket ({@code RESTResponse}) are not events and are left out.
 */
public final class AriStream {
    public static final List<String> CAPTURES = List.of("09a-ari-stasis-call.txt", "09b-ari-caller-hangup.txt",
            "09c-ari-errors.txt", "09d-ari-outbound-websocket.txt");

    private final List<String> events;

    private AriStream(List<String> events) {
        this.events = List.copyOf(events);
    }

    public static AriStream load() {
        List<String> out = new ArrayList<>();
        for (String capture : CAPTURES) {
            for (String line : Transcript.load(capture).lines(Transcript.Dir.ASTERISK)) {
                // "[ws] {...}", "[out] {...}", "[percall] {...}": one message per line (ari.conf pretty=no)
                int json = line.indexOf("] {");
                if (json < 0 || !line.startsWith("[") || !line.contains("\"type\":\"") || line.contains("\"type\":\"RESTResponse\"")) continue;
                String tag = line.substring(1, json);
                if (!tag.startsWith("ws") && !tag.startsWith("out") && !tag.startsWith("percall")) continue;
                out.add(line.substring(json + 2));
            }
        }
        if (out.isEmpty()) throw new IllegalStateException("no ARI events in " + CAPTURES);
        return new AriStream(out);
    }

    /** The event messages, in capture order. */
    public List<String> events() { return events; }

    /**
     * The event messages both libraries decode: all but those ari4java's ARI 10.0.0 models have no class for
     * ({@code ApplicationRegistered}, which Asterisk 22.5+ sends on outbound connections: ari4java's decoder throws, its
     * events handler reports a failure). Tinyphone decodes those too (as {@code AriEvent.Other}); the benchmark leaves
     * them out so that neither side pays for an exception.
     */
    public List<String> common() {
        return events.stream().filter(e -> !UNKNOWN_TO_ARI4JAVA.contains(type(e))).toList();
    }

    /** Event types in the captures that ari4java 0.18.0 cannot decode. */
    public static final java.util.Set<String> UNKNOWN_TO_ARI4JAVA = java.util.Set.of("ApplicationRegistered");

    /** The {@code type} of an event message (the first {@code "type":"..."} of Asterisk's compact JSON). */
    static String type(String message) {
        int i = message.indexOf("\"type\":\"");
        return i < 0 ? "" : message.substring(i + 8, message.indexOf('"', i + 8));
    }

    /** Mean size of one event message of {@link #common()} in UTF-8 bytes (what crosses the WebSocket per event, frame header aside). */
    public double meanBytes() {
        List<String> c = common();
        long sum = 0;
        for (String e : c) sum += e.getBytes(StandardCharsets.UTF_8).length;
        return (double) sum / c.size();
    }
}
