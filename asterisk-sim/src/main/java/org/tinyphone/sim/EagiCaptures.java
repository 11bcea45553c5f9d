package org.tinyphone.sim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The EAGI audio of captures 04c and 04d, as the audio and relay tests read it. */
public final class EagiCaptures {

    private EagiCaptures() {}

    /** One row of 04d: a 66 ms window's start, peak and RMS, as Asterisk's fd-3 audio gave them. */
    public record Window(int index, int startMillis, int peak, int rms) {}

    /** 04d: peak and RMS per 528-sample window of the whole 16.2 s EAGI capture. */
    public static List<Window> peakWindows() throws IOException {
        List<Window> rows = new ArrayList<>();
        try (InputStream in = Transcript.resource("04d-eagi-peaks-66ms.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("#") || line.isBlank()) continue;
                String[] f = line.trim().split("\\s+");
                rows.add(new Window(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3])));
            }
        }
        return rows;
    }

    /** 04c: the first 5 s of the EAGI fd-3 audio, raw s16le 8 kHz mono (80000 bytes). */
    public static byte[] eagiAudio() throws IOException {
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.raw")) {
            return in.readAllBytes();
        }
    }
}
