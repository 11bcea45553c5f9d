package org.tinyphone.relay;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The tunnel between {@code bin/tinyphone-agi} (the relay Asterisk starts per call) and the Tinyphone server.
 *
 * <pre>
 * relay → server   "TINYPHONE-RELAY/1" LF          once, first (the original hub's lines start with "id:")
 * then, both ways   type (1 byte) | length (2 bytes, big-endian) | payload (length bytes, 0..65535)
 *
 *   0x01 AGI_IN    relay → server  bytes Asterisk wrote to the relay's stdin (environment, replies), verbatim
 *   0x02 AUDIO     relay → server  bytes read from EAGI fd 3: signed 16-bit little-endian mono, 8 kHz
 *   0x03 HANGUP    relay → server  the relay got SIGHUP: the channel hung up (payload empty)
 *   0x04 END       relay → server  the relay is leaving (payload: UTF-8 reason, e.g. "stdin closed")
 *   0x11 AGI_OUT   server → relay  bytes for Asterisk (AGI commands), written to the relay's stdout verbatim
 *   0x14 END       server → relay  the server is done with the call: the relay exits 0 and the dialplan goes on
 * </pre>
 *
 * A greeting of another version ({@code TINYPHONE-RELAY/2}) is answered with a server END frame naming the version
 * this server speaks, then closed. A closed connection without an END frame means the same as END. Unknown frame
 * types are an error. This class is pure (streams in, bytes out) and loads only JDK classes, so the relay can use it
 * on its fast path.
 */
public final class RelayProtocol {

    /** The relay's first line, without its LF. */
    public static final String MAGIC = "TINYPHONE-RELAY/1";
    /** What every version's greeting starts with ({@code TINYPHONE-RELAY/2} would be a later one). */
    public static final String MAGIC_PREFIX = "TINYPHONE-RELAY/";
    /** The magic line as sent, LF included. */
    static final byte[] MAGIC_LINE = (MAGIC + "\n").getBytes(StandardCharsets.US_ASCII);

    public static final int AGI_IN = 0x01;
    public static final int AUDIO = 0x02;
    public static final int HANGUP = 0x03;
    public static final int END = 0x04;
    public static final int AGI_OUT = 0x11;
    public static final int SERVER_END = 0x14;

    /** The largest payload of one frame. */
    public static final int MAX_PAYLOAD = 0xffff;

    /** The default server address of the relay: the original hub's call-relay port. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 12001;

    private RelayProtocol() {}

    /** Whether a first line (without its line end; a trailing CR is tolerated) is the relay's greeting. */
    public static boolean isGreeting(String firstLine) {
        if (firstLine == null) return false;
        String s = firstLine.endsWith("\r") ? firstLine.substring(0, firstLine.length() - 1) : firstLine;
        return s.equals(MAGIC);
    }

    /**
     * Whether a first line is the greeting of another version of this protocol ({@code TINYPHONE-RELAY/2}, any
     * {@code TINYPHONE-RELAY/...} that is not {@value #MAGIC}): a server refuses it (an END frame with the reason)
     * rather than read it as the original script's legacy lines.
     */
    public static boolean isOtherVersion(String firstLine) {
        return firstLine != null && firstLine.startsWith(MAGIC_PREFIX) && !isGreeting(firstLine);
    }

    /** Whether these first bytes of a connection could start the relay's greeting (for peeking). */
    public static boolean startsLikeGreeting(byte[] prefix, int length) {
        int n = Math.min(length, MAGIC_LINE.length);
        for (int i = 0; i < n; i++) {
            if (prefix[i] != MAGIC_LINE[i]) return false;
        }
        return n > 0;
    }

    /**
     * Consumes the relay's greeting line if the connection starts with it; otherwise leaves the stream where it
     * was (mark/reset) and returns false, so the same stream can go to the original hub's line protocol. Reads
     * byte by byte and stops at the first byte that differs (a legacy line's {@code i}), so it never waits for
     * more than the peer sent. Blocks until the first byte arrives (use a socket timeout).
     *
     * @param in a stream that supports mark/reset, e.g. a {@link java.io.BufferedInputStream}
     */
    public static boolean acceptGreeting(InputStream in) throws IOException {
        if (!in.markSupported()) throw new IllegalArgumentException("the stream must support mark/reset");
        in.mark(MAGIC_LINE.length + 1);
        for (int i = 0; i < MAGIC_LINE.length; i++) {
            int b = in.read();
            if (b == '\r' && i == MAGIC_LINE.length - 1 && in.read() == '\n') return true; // tolerate CRLF
            if (b != (MAGIC_LINE[i] & 0xff)) {
                in.reset();
                return false;
            }
        }
        return true;
    }

    /** Writes one frame header and payload (the caller flushes). */
    public static void writeFrame(OutputStream out, int type, byte[] payload, int offset, int length) throws IOException {
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame payload must be 0..65535 bytes, was " + length);
        }
        out.write(type);
        out.write(length >>> 8);
        out.write(length & 0xff);
        out.write(payload, offset, length);
    }

    /** A frame read from the tunnel. */
    public record Frame(int type, byte[] payload) {
        /** The payload as UTF-8 text (END reasons). */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /**
     * Reads one frame; {@code null} at a clean end of stream (between frames).
     *
     * @throws EOFException if the stream ends inside a frame
     */
    public static Frame readFrame(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) return null;
        int hi = in.read();
        int lo = in.read();
        if (lo < 0) throw new EOFException("relay tunnel ended inside a frame header (type 0x" + Integer.toHexString(type) + ")");
        int length = (hi << 8) | lo;
        byte[] payload = in.readNBytes(length);
        if (payload.length != length) {
            throw new EOFException("relay tunnel ended inside a frame: got " + payload.length + " of " + length + " bytes");
        }
        return new Frame(type, payload);
    }
}
