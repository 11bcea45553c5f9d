package org.tinyphone.client;

/**
 * The formats a call's audio can be listened to in and sent back (docs/protocol.md, "A call's audio"), by Asterisk's
 * names: G.711 µ-law at 8 kHz, and 16-bit signed little-endian linear (slin) at 8 or 16 kHz; mono, 20 ms a frame.
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
    public String wireName() {
        return wireName;
    }

    public int sampleRate() {
        return sampleRate;
    }

    public int bytesPerSample() {
        return bytesPerSample;
    }

    /** Bytes of one 20 ms frame: 160 (ulaw), 320 (slin), 640 (slin16). */
    public int frameBytes() {
        return sampleRate / 50 * bytesPerSample;
    }

    /** The format of a wire name, if it is one. */
    static java.util.Optional<AudioFormat> of(String wireName) {
        for (AudioFormat f : values()) {
            if (f.wireName.equals(wireName)) {
                return java.util.Optional.of(f);
            }
        }
        return java.util.Optional.empty();
    }
}
