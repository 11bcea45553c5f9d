package org.tinyphone.audio.audiosocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;

/**
 * One AudioSocket frame: {@code type (1 byte) | length (2 bytes, big-endian) | payload}.
 *
 * <p>Types: {@code 0x00} hangup (no payload), {@code 0x01} UUID (16 bytes, the first frame from Asterisk),
 * {@code 0x03} DTMF (one ASCII digit), {@code 0x10} audio, signed linear 16-bit little-endian mono 8 kHz
 * ({@code 0x11}..{@code 0x18}: 12, 16, 24, 32, 44.1, 48, 96, 192 kHz), {@code 0xff} error (an error code byte).
 */
public record AudioSocketFrame(int type, byte[] payload) {

    public static final int HANGUP = 0x00;
    public static final int UUID_TYPE = 0x01;
    public static final int DTMF = 0x03;
    public static final int AUDIO = 0x10;
    public static final int AUDIO_LAST = 0x18;
    public static final int ERROR = 0xff;

    private static final int[] SAMPLE_RATES = {8000, 12000, 16000, 24000, 32000, 44100, 48000, 96000, 192000};
    private static final byte[] EMPTY = new byte[0];

    public AudioSocketFrame {
        if (type < 0 || type > 0xff) throw new IllegalArgumentException("frame type must be one byte: " + type);
        if (payload.length > 0xffff) throw new IllegalArgumentException("payload over 65535 bytes: " + payload.length);
    }

    /** The hangup frame ({@code 00 00 00}): Asterisk ends the AudioSocket application and closes the socket. */
    public static AudioSocketFrame hangup() {
        return new AudioSocketFrame(HANGUP, EMPTY);
    }

    /** The UUID frame Asterisk sends first. */
    public static AudioSocketFrame uuid(UUID id) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return new AudioSocketFrame(UUID_TYPE, b.array());
    }

    /** A DTMF frame for one of {@code 0-9 * # A-D}. */
    public static AudioSocketFrame dtmf(char digit) {
        if (!isDtmf(digit)) throw new IllegalArgumentException("not a DTMF digit: '" + digit + "'");
        return new AudioSocketFrame(DTMF, new byte[] {(byte) digit});
    }

    /** An 8 kHz slin audio frame (the payload is used as is, not copied). */
    public static AudioSocketFrame audio(byte[] pcm) {
        return new AudioSocketFrame(AUDIO, pcm);
    }

    /** An slin audio frame at one of the rates AudioSocket knows (8000, 12000, 16000, ... 192000). */
    public static AudioSocketFrame audio(int sampleRate, byte[] pcm) {
        for (int i = 0; i < SAMPLE_RATES.length; i++) {
            if (SAMPLE_RATES[i] == sampleRate) return new AudioSocketFrame(AUDIO + i, pcm);
        }
        throw new IllegalArgumentException("AudioSocket has no frame type for " + sampleRate + " Hz");
    }

    /** An error frame with its code (Asterisk: 0x01 hangup of the calling party, 0x02 frame forwarding, 0x04 memory). */
    public static AudioSocketFrame error(int code) {
        return new AudioSocketFrame(ERROR, new byte[] {(byte) code});
    }

    public boolean isAudio() {
        return type >= AUDIO && type <= AUDIO_LAST;
    }

    /** The sample rate of an audio frame. */
    public int sampleRate() {
        if (!isAudio()) throw new IllegalStateException("not an audio frame: " + this);
        return SAMPLE_RATES[type - AUDIO];
    }

    /** The call's UUID of a UUID frame. */
    public UUID uuid() {
        if (type != UUID_TYPE || payload.length != 16) throw new IllegalStateException("not a UUID frame: " + this);
        ByteBuffer b = ByteBuffer.wrap(payload);
        return new UUID(b.getLong(), b.getLong());
    }

    /** The digit of a DTMF frame. */
    public char digit() {
        if (type != DTMF || payload.length != 1) throw new IllegalStateException("not a DTMF frame: " + this);
        return (char) (payload[0] & 0xff);
    }

    /** The code of an error frame (0 if it carries none). */
    public int errorCode() {
        if (type != ERROR) throw new IllegalStateException("not an error frame: " + this);
        return payload.length == 0 ? 0 : payload[0] & 0xff;
    }

    /** Whether a type byte is one AudioSocket defines. */
    public static boolean isKnownType(int type) {
        return type == HANGUP || type == UUID_TYPE || type == DTMF || type == ERROR || type >= AUDIO && type <= AUDIO_LAST;
    }

    static boolean isDtmf(char c) {
        return c >= '0' && c <= '9' || c == '*' || c == '#' || c >= 'A' && c <= 'D';
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AudioSocketFrame f && f.type == type && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
        return type * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        String kind = switch (type) {
            case HANGUP -> "HANGUP";
            case UUID_TYPE -> payload.length == 16 ? "UUID " + uuid() : "UUID?";
            case DTMF -> payload.length == 1 ? "DTMF '" + new String(payload, StandardCharsets.US_ASCII) + "'" : "DTMF?";
            case ERROR -> "ERROR";
            default -> isAudio() ? "AUDIO " + SAMPLE_RATES[type - AUDIO] + " Hz" : "UNKNOWN";
        };
        String data = payload.length <= 16 ? " " + HexFormat.of().formatHex(payload) : "";
        return String.format("AudioSocketFrame[0x%02x %s, %d bytes%s]", type, kind, payload.length, data);
    }
}
