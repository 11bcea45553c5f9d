package org.tinyphone.sim.call;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A caller's audio as Asterisk delivers it: signed 16-bit little-endian mono at 8000 Hz, 20 ms (320 bytes) at a time.
 * Each {@link #open()} starts from the beginning; the audio loops for as long as the call lasts.
 */
public interface AudioSource {

    /** Samples per second of every frame. */
    int SAMPLE_RATE = 8000;
    /** Samples in one 20 ms frame. */
    int FRAME_SAMPLES = 160;
    /** Bytes in one 20 ms frame. */
    int FRAME_BYTES = FRAME_SAMPLES * 2;

    /** A fresh stream of this audio, from its beginning. */
    Frames open();

    /** What this audio is, for logs. */
    String describe();

    /** One call's audio, frame by frame. Not thread-safe: one call reads it. */
    interface Frames {
        /** The next 20 ms: 320 bytes of s16le samples (a new array each time). */
        byte[] next();
    }

    /**
     * A voice-like test signal: two tones whose loudness rises and falls a little faster than once a second, so a
     * level meter moves visibly between about 2,000 and 16,000.
     */
    static AudioSource tone() {
        return new AudioSource() {
            @Override
            public Frames open() {
                return new Frames() {
                    private long n;

                    @Override
                    public byte[] next() {
                        ByteBuffer out = ByteBuffer.allocate(FRAME_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                        for (int i = 0; i < FRAME_SAMPLES; i++, n++) {
                            double t = (double) n / SAMPLE_RATE;
                            double loudness = 2000 + 14000 * Math.abs(Math.sin(2 * Math.PI * 0.65 * t));
                            double wave = 0.6 * Math.sin(2 * Math.PI * 440 * t) + 0.4 * Math.sin(2 * Math.PI * 660 * t);
                            out.putShort((short) Math.round(loudness * wave));
                        }
                        return out.array();
                    }
                };
            }

            @Override
            public String describe() {
                return "tone";
            }
        };
    }

    /** Silence (all samples zero): audio flows, the meter stays at 0. */
    static AudioSource silence() {
        return new AudioSource() {
            @Override
            public Frames open() {
                return () -> new byte[FRAME_BYTES];
            }

            @Override
            public String describe() {
                return "silence";
            }
        };
    }

    /** {@code "tone"}, {@code "silence"} or the path of a WAV file. */
    static AudioSource parse(String spec) throws IOException {
        return switch (spec) {
            case "tone" -> tone();
            case "silence" -> silence();
            default -> wav(Path.of(spec));
        };
    }

    /** A 16-bit PCM WAV file (any rate, mono or stereo), mixed down to mono and resampled to 8 kHz. */
    static AudioSource wav(Path file) throws IOException {
        return Wav.decode(Files.readAllBytes(file), file.toString());
    }

    /** 8 kHz s16le mono samples as they are (for example a capture of Asterisk's EAGI audio). */
    static AudioSource pcm(byte[] s16le8k, String name) {
        if (s16le8k.length < 2) {
            throw new IllegalArgumentException("no audio samples in " + name);
        }
        short[] samples = new short[s16le8k.length / 2];
        ByteBuffer.wrap(s16le8k).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        return Wav.looping(samples, name);
    }
}
