package org.tinyphone.bench.ami;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.tinyphone.sim.Transcript;

/**
 * The recorded event stream of a full call (capture 05f, Asterisk 22): every event message Asterisk sent,
 * as wire bytes (CRLF line ends, blank line after each message), and the same stream repeated.
 */
public final class AmiStream {
    public static final String CAPTURE = "05f-ami-full-call-events.txt";

    private final List<byte[]> events;

    private AmiStream(List<byte[]> events) {
        this.events = events;
    }

    public static AmiStream load() {
        List<String> lines = Transcript.load(CAPTURE).lines(Transcript.Dir.ASTERISK);
        List<byte[]> events = new ArrayList<>();
        List<String> msg = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("Asterisk Call Manager/")) continue; // banner
            if (line.isEmpty()) {
                if (!msg.isEmpty() && msg.get(0).startsWith("Event:")) {
                    StringBuilder sb = new StringBuilder();
                    for (String l : msg) sb.append(l).append("\r\n");
                    sb.append("\r\n");
                    events.add(sb.toString().getBytes(StandardCharsets.UTF_8));
                }
                msg.clear();
            } else {
                msg.add(line);
            }
        }
        if (events.isEmpty()) throw new IllegalStateException("no events in " + CAPTURE);
        return new AmiStream(events);
    }

    /** Number of event messages in one pass of the capture. */
    public int eventsPerPass() { return events.size(); }

    public List<byte[]> events() { return events; }

    /** The capture's events repeated {@code passes} times, as one byte array. */
    public byte[] repeated(int passes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int p = 0; p < passes; p++) {
            for (byte[] e : events) out.writeBytes(e);
        }
        return out.toByteArray();
    }

    /** The banner line Asterisk 22 sends first (AMI 11.0.0). */
    public static byte[] banner() {
        return "Asterisk Call Manager/11.0.0\r\n".getBytes(StandardCharsets.US_ASCII);
    }
}
