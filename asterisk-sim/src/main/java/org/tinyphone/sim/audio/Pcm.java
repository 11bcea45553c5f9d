package org.tinyphone.sim.audio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;

/** Caller audio for simulated calls: signed 16-bit little-endian mono PCM at 8 kHz, from WAV files or generated. */
public final class Pcm {

    public static final int SAMPLE_RATE = 8000;

    private Pcm() {}

    /** A sine tone ({@code amplitude} 0..32767). */
    public static byte[] tone(int hz, Duration length, int amplitude) {
        int samples = (int) (length.toMillis() * SAMPLE_RATE / 1000);
        ByteBuffer b = ByteBuffer.allocate(samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < samples; i++) {
            b.putShort((short) Math.round(amplitude * Math.sin(2 * Math.PI * hz * i / SAMPLE_RATE)));
        }
        return b.array();
    }

    /** Silence. */
    public static byte[] silence(Duration length) {
        return new byte[(int) (length.toMillis() * SAMPLE_RATE / 1000) * 2];
    }

    /**
     * The samples of a WAV file that is PCM 16-bit mono 8 kHz (what Asterisk's slin is); other formats are refused
     * with a message saying what was found. Chunks other than {@code fmt } and {@code data} are skipped.
     */
    public static byte[] fromWav(InputStream wav) throws IOException {
        byte[] all = wav.readAllBytes();
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 12 || !ascii(all, 0, "RIFF") || !ascii(all, 8, "WAVE")) {
            throw new IOException("not a WAV file (no RIFF/WAVE header)");
        }
        int pos = 12;
        boolean formatOk = false;
        while (pos + 8 <= all.length) {
            String id = new String(all, pos, 4, java.nio.charset.StandardCharsets.US_ASCII);
            int size = b.getInt(pos + 4);
            int body = pos + 8;
            if (size < 0 || body + (long) size > all.length) size = all.length - body; // tolerate a bad data size
            if (id.equals("fmt ")) {
                int format = b.getShort(body) & 0xffff;
                int channels = b.getShort(body + 2);
                int rate = b.getInt(body + 4);
                int bits = b.getShort(body + 14);
                if (format != 1 || channels != 1 || rate != SAMPLE_RATE || bits != 16) {
                    throw new IOException("WAV must be PCM 16-bit mono 8000 Hz (slin); this one is format " + format
                            + ", " + channels + " channel(s), " + rate + " Hz, " + bits + " bits");
                }
                formatOk = true;
            } else if (id.equals("data")) {
                if (!formatOk) throw new IOException("WAV data chunk before its fmt chunk");
                return Arrays.copyOfRange(all, body, body + (size & ~1));
            }
            pos = body + size + (size & 1);
        }
        throw new IOException("WAV file without a data chunk");
    }

    private static boolean ascii(byte[] b, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[at + i] != s.charAt(i)) return false;
        }
        return true;
    }

    /**
     * Caller audio from a file: a WAV file (PCM 16-bit mono 8 kHz, see {@link #fromWav}) or, without a RIFF
     * header, raw s16le 8 kHz mono bytes (like the {@code .raw} captures and Asterisk's {@code .sln} files).
     */
    public static byte[] load(java.nio.file.Path file) throws IOException {
        byte[] all = java.nio.file.Files.readAllBytes(file);
        if (all.length >= 12 && ascii(all, 0, "RIFF")) return fromWav(new java.io.ByteArrayInputStream(all));
        return (all.length & 1) == 0 ? all : Arrays.copyOf(all, all.length - 1);
    }

    /** The largest absolute sample value of s16le PCM (-32768 counts as 32768). */
    public static int peak(byte[] pcm, int offset, int length) {
        int peak = 0;
        for (int i = offset; i + 1 < offset + length; i += 2) {
            int s = (short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8));
            peak = Math.max(peak, Math.abs(s));
        }
        return peak;
    }
}
