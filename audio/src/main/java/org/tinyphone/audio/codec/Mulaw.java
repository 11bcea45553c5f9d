package org.tinyphone.audio.codec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;

/**
 * G.711 µ-law (what Twilio's media streams carry, {@code audio/x-mulaw}) to and from signed 16-bit linear PCM
 * (Asterisk's slin, little-endian in byte arrays).
 *
 * <p>The conversion itself is the JDK's ({@code javax.sound.sampled}, {@code AudioFormat.Encoding.ULAW} to and from
 * {@code PCM_SIGNED}): it is run once, when this class loads, over every µ-law byte (256) and every 16-bit sample
 * (65,536), and kept as two tables, so that a 20 ms frame costs 160 table lookups instead of an {@code AudioInputStream}.
 */
public final class Mulaw {
    /** µ-law byte → linear sample. */
    private static final short[] DECODE = new short[256];
    /** linear sample + 32768 → µ-law byte. */
    private static final byte[] ENCODE = new byte[65536];
    /** G.711's clip level: larger magnitudes get the loudest code. */
    private static final int CLIP = 32635;

    static {
        AudioFormat ulaw = new AudioFormat(AudioFormat.Encoding.ULAW, 8000, 8, 1, 1, 8000, false);
        AudioFormat pcm = new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, 8000, 16, 1, 2, 8000, false);
        byte[] codes = new byte[256];
        for (int i = 0; i < 256; i++) codes[i] = (byte) i;
        byte[] linear = convert(codes, ulaw, pcm, 512);
        for (int i = 0; i < 256; i++) DECODE[i] = (short) ((linear[2 * i] & 0xff) | (linear[2 * i + 1] << 8));
        byte[] samples = new byte[65536 * 2];
        for (int s = -32768; s < 32768; s++) {
            int i = (s + 32768) * 2;
            samples[i] = (byte) s;
            samples[i + 1] = (byte) (s >> 8);
        }
        byte[] encoded = convert(samples, pcm, ulaw, 65536);
        System.arraycopy(encoded, 0, ENCODE, 0, 65536);
        // the JDK's encoder adds G.711's bias in 16 bits and wraps beyond the clip level: 32764 comes out as 0xff
        // (silence), -32768 as 0x7f; G.711 clips there instead, so the loudest samples keep the loudest codes
        for (int s = CLIP + 1; s < 32768; s++) ENCODE[s + 32768] = ENCODE[CLIP + 32768];
        for (int s = -32768; s < -CLIP; s++) ENCODE[s + 32768] = ENCODE[-CLIP + 32768];
    }

    private Mulaw() {}

    private static byte[] convert(byte[] in, AudioFormat from, AudioFormat to, int expected) {
        try (AudioInputStream source = new AudioInputStream(new ByteArrayInputStream(in), from, in.length / from.getFrameSize());
             AudioInputStream converted = AudioSystem.getAudioInputStream(to, source)) {
            byte[] out = converted.readAllBytes();
            if (out.length != expected) {
                throw new IllegalStateException("the JDK's " + from.getEncoding() + " to " + to.getEncoding()
                        + " conversion gave " + out.length + " bytes instead of " + expected);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One µ-law byte as a linear sample (-32124..32124). */
    public static short toLinear(byte ulaw) {
        return DECODE[ulaw & 0xff];
    }

    /** One linear sample as a µ-law byte. */
    public static byte fromLinear(short sample) {
        return ENCODE[sample + 32768];
    }

    /** µ-law bytes to slin (16-bit little-endian), two bytes per input byte. */
    public static byte[] toPcm(byte[] ulaw, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, ulaw.length);
        byte[] out = new byte[length * 2];
        for (int i = 0; i < length; i++) {
            short s = DECODE[ulaw[offset + i] & 0xff];
            out[2 * i] = (byte) s;
            out[2 * i + 1] = (byte) (s >> 8);
        }
        return out;
    }

    /** slin (16-bit little-endian) to µ-law, one byte per sample; a trailing odd byte is left out. */
    public static byte[] fromPcm(byte[] pcm, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, pcm.length);
        byte[] out = new byte[length / 2];
        for (int i = 0; i < out.length; i++) {
            int s = (short) ((pcm[offset + 2 * i] & 0xff) | (pcm[offset + 2 * i + 1] << 8));
            out[i] = ENCODE[s + 32768];
        }
        return out;
    }
}
