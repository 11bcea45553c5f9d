package org.tinyphone.sim.call;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Reads RIFF/WAVE 16-bit PCM into 8 kHz mono samples. */
final class Wav {
    private Wav() {}

    static AudioSource decode(byte[] bytes, String name) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || !tag(in, 0).equals("RIFF") || !tag(in, 8).equals("WAVE")) {
            throw new IllegalArgumentException(name + " is not a WAV file (no RIFF/WAVE header)");
        }
        int pos = 12;
        int channels = 0;
        int rate = 0;
        int bits = 0;
        int format = 0;
        while (pos + 8 <= bytes.length) {
            String id = tag(in, pos);
            long size = Integer.toUnsignedLong(in.getInt(pos + 4));
            int body = pos + 8;
            if ("fmt ".equals(id) && size >= 16) {
                format = Short.toUnsignedInt(in.getShort(body));
                channels = Short.toUnsignedInt(in.getShort(body + 2));
                rate = in.getInt(body + 4);
                bits = Short.toUnsignedInt(in.getShort(body + 14));
            } else if ("data".equals(id)) {
                if (format != 1 && format != 0xFFFE || bits != 16 || channels < 1 || rate <= 0) {
                    throw new IllegalArgumentException(name + ": only 16-bit PCM WAV is supported (format " + format
                            + ", " + bits + " bits, " + channels + " channels, " + rate + " Hz)");
                }
                int length = (int) Math.min(size, bytes.length - body);
                int frames = length / (2 * channels);
                short[] mono = new short[frames];
                for (int i = 0; i < frames; i++) {
                    int sum = 0;
                    for (int c = 0; c < channels; c++) {
                        sum += in.getShort(body + 2 * (i * channels + c));
                    }
                    mono[i] = (short) (sum / channels);
                }
                short[] at8k = rate == AudioSource.SAMPLE_RATE ? mono : resample(mono, rate);
                if (at8k.length == 0) {
                    throw new IllegalArgumentException(name + ": the WAV file holds no samples");
                }
                return looping(at8k, name);
            }
            pos = body + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - body);
        }
        throw new IllegalArgumentException(name + ": no data chunk in the WAV file");
    }

    static AudioSource looping(short[] samples, String name) {
        return new AudioSource() {
            @Override
            public Frames open() {
                return new Frames() {
                    private int at;

                    @Override
                    public byte[] next() {
                        ByteBuffer out = ByteBuffer.allocate(FRAME_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                        for (int i = 0; i < FRAME_SAMPLES; i++) {
                            out.putShort(samples[at]);
                            at = (at + 1) % samples.length;
                        }
                        return out.array();
                    }
                };
            }

            @Override
            public String describe() {
                return name;
            }
        };
    }

    private static short[] resample(short[] in, int rate) {
        int n = (int) ((long) in.length * AudioSource.SAMPLE_RATE / rate);
        short[] out = new short[n];
        for (int i = 0; i < n; i++) {
            double src = (double) i * rate / AudioSource.SAMPLE_RATE;
            int a = (int) src;
            int b = Math.min(a + 1, in.length - 1);
            double f = src - a;
            out[i] = (short) Math.round(in[a] * (1 - f) + in[b] * f);
        }
        return out;
    }

    private static String tag(ByteBuffer in, int at) {
        byte[] b = new byte[4];
        in.get(at, b);
        return new String(b, StandardCharsets.US_ASCII);
    }
}
