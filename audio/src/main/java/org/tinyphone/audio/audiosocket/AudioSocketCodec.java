package org.tinyphone.audio.audiosocket;

import java.util.Arrays;

/**
 * AudioSocket framing without I/O: {@link #encode} turns a frame into wire bytes, a {@link Decoder} turns bytes
 * that arrive in any chunking into frames, checking each header before buffering its payload.
 */
public final class AudioSocketCodec {

    /** The largest payload a decoder accepts by default (192 kHz audio in 20 ms is 7680 bytes). */
    public static final int DEFAULT_MAX_PAYLOAD = 16384;

    private AudioSocketCodec() {}

    /** The frame's wire bytes. */
    public static byte[] encode(AudioSocketFrame frame) {
        byte[] p = frame.payload();
        byte[] out = new byte[3 + p.length];
        out[0] = (byte) frame.type();
        out[1] = (byte) (p.length >>> 8);
        out[2] = (byte) p.length;
        System.arraycopy(p, 0, out, 3, p.length);
        return out;
    }

    /** The header of a frame of {@code type} with {@code length} payload bytes (to write a payload without copying). */
    public static byte[] header(int type, int length) {
        if (length < 0 || length > 0xffff) throw new IllegalArgumentException("payload length must be 0..65535: " + length);
        return new byte[] {(byte) type, (byte) (length >>> 8), (byte) length};
    }

    /** Incremental decoder for one connection's byte stream. Not thread-safe. */
    public static final class Decoder {
        private final int maxPayload;
        private byte[] buf = new byte[4096];
        private int start;
        private int end;
        private long frames;

        /** A decoder accepting payloads up to {@link #DEFAULT_MAX_PAYLOAD}. */
        public Decoder() {
            this(DEFAULT_MAX_PAYLOAD);
        }

        /** A decoder accepting payloads up to {@code maxPayload} bytes (16..65535). */
        public Decoder(int maxPayload) {
            if (maxPayload < 16 || maxPayload > 0xffff) throw new IllegalArgumentException("maxPayload must be 16..65535");
            this.maxPayload = maxPayload;
        }

        /** Adds received bytes; take the frames with {@link #next()}. */
        public void feed(byte[] data, int offset, int length) {
            java.util.Objects.checkFromIndexSize(offset, length, data.length);
            if (end + length > buf.length) {
                int live = end - start;
                if (live + length <= buf.length) {
                    System.arraycopy(buf, start, buf, 0, live);
                } else {
                    buf = Arrays.copyOfRange(buf, start, start + Math.max(buf.length * 2, live + length));
                }
                start = 0;
                end = live;
            }
            System.arraycopy(data, offset, buf, end, length);
            end += length;
        }

        /**
         * The next complete frame, or {@code null} if more bytes are needed.
         *
         * @throws AudioSocketProtocolException at the first invalid header or payload (the stream is unusable after it)
         */
        public AudioSocketFrame next() throws AudioSocketProtocolException {
            if (end - start < 3) return null;
            int type = buf[start] & 0xff;
            int length = ((buf[start + 1] & 0xff) << 8) | (buf[start + 2] & 0xff);
            if (!AudioSocketFrame.isKnownType(type)) {
                throw new AudioSocketProtocolException("unknown AudioSocket frame type 0x" + String.format("%02x", type) + where(type, length));
            }
            if (length > maxPayload) {
                throw new AudioSocketProtocolException("AudioSocket frame of " + length + " bytes exceeds the limit of "
                        + maxPayload + where(type, length));
            }
            switch (type) {
                case AudioSocketFrame.HANGUP -> {
                    if (length != 0) throw new AudioSocketProtocolException("hangup frame with a payload" + where(type, length));
                }
                case AudioSocketFrame.UUID_TYPE -> {
                    if (length != 16) throw new AudioSocketProtocolException("UUID frame must carry 16 bytes" + where(type, length));
                }
                case AudioSocketFrame.DTMF -> {
                    if (length != 1) throw new AudioSocketProtocolException("DTMF frame must carry 1 byte" + where(type, length));
                }
                default -> { }
            }
            if (end - start < 3 + length) return null;
            byte[] payload = Arrays.copyOfRange(buf, start + 3, start + 3 + length);
            start += 3 + length;
            if (start == end) {
                start = 0;
                end = 0;
            }
            if (type == AudioSocketFrame.DTMF && !AudioSocketFrame.isDtmf((char) (payload[0] & 0xff))) {
                throw new AudioSocketProtocolException("DTMF frame with a byte that is no digit: 0x"
                        + String.format("%02x", payload[0] & 0xff) + where(type, length));
            }
            frames++;
            return new AudioSocketFrame(type, payload);
        }

        private String where(int type, int length) {
            return " (frame #" + (frames + 1) + ", header " + String.format("%02x%04x", type, length) + ")";
        }

        /** Bytes received but not yet returned as frames. */
        public int buffered() {
            return end - start;
        }

        /** Frames decoded so far. */
        public long frames() {
            return frames;
        }
    }
}
