package org.tinyphone.server.bridge;

import java.util.Locale;

/**
 * The audio formats a client may listen in and send back (docs/protocol.md, "A call's audio"), by Asterisk's names:
 * G.711 µ-law at 8 kHz, and 16-bit signed little-endian linear (slin) at 8 or 16 kHz; mono, 20 ms a frame.
 */
public enum AudioFormat {
    ULAW("ulaw", 8000, 1),
    SLIN("slin", 8000, 2),
    SLIN16("slin16", 16000, 2);

    private final String wireName;
    private final int sampleRate;
    private final int bytesPerSample;

    AudioFormat(String wireName, int sampleRate, int bytesPerSample) {
        this.wireName = wireName;
        this.sampleRate = sampleRate;
        this.bytesPerSample = bytesPerSample;
    }

    /** The name on the wire: {@code ulaw}, {@code slin} or {@code slin16}. */
    public String wireName() { return wireName; }

    public int sampleRate() { return sampleRate; }

    public int bytesPerSample() { return bytesPerSample; }

    /** Bytes of one 20 ms frame: 160 (ulaw), 320 (slin), 640 (slin16). */
    public int frameBytes() { return sampleRate / 50 * bytesPerSample; }

    /** Milliseconds of audio in {@code bytes} of this format. */
    public long millis(long bytes) { return bytes / bytesPerSample * 1000 / sampleRate; }

    /** The format a wire name names (case ignored); a clear message for anything else. */
    public static AudioFormat parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            for (AudioFormat f : values()) if (f.wireName.equals(n)) return f;
        }
        throw new IllegalArgumentException("format must be ulaw (µ-law 8 kHz), slin (16-bit linear 8 kHz) or slin16 "
                + "(16-bit linear 16 kHz), not '" + name + "'");
    }

    @Override
    public String toString() { return wireName; }
}
