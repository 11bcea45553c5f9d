package org.tinyphone.agi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into LF-terminated lines (a CR before the LF is dropped), with a hard limit on line
 * length. Buffers are small and grow only for long lines, so an idle session costs little memory.
 */
final class LineReader {
    private static final int READ_CHUNK = 512;

    private final InputStream in;
    private final int maxLine;
    private byte[] buf;
    private int pos;
    private int limit;
    private byte[] line = new byte[128];

    LineReader(InputStream in, int maxLine) {
        this(in, maxLine, READ_CHUNK);
    }

    /**
     * @param firstChunk size of the read buffer until {@link #shrink()}: a larger one reads a whole AGI
     *                   environment (~700 bytes from Asterisk 22) in one read instead of two or more
     */
    LineReader(InputStream in, int maxLine, int firstChunk) {
        this.in = in;
        this.maxLine = maxLine;
        this.buf = new byte[Math.max(READ_CHUNK, firstChunk)];
    }

    /** Goes back to the small read buffer (memory per idle session) once what is buffered fits in it. */
    void shrink() {
        int n = limit - pos;
        if (buf.length > READ_CHUNK && n <= READ_CHUNK) {
            byte[] b = new byte[READ_CHUNK];
            System.arraycopy(buf, pos, b, 0, n);
            buf = b;
            pos = 0;
            limit = n;
        }
    }

    /** True if bytes read from the stream are still buffered (a partial line counts). */
    boolean hasBuffered() { return pos < limit; }

    /** The next complete line if one is already buffered, else null; never reads from the stream. */
    String pollLine() {
        for (int i = pos; i < limit; i++) {
            if (buf[i] == '\n') {
                int len = i - pos;
                if (len > 0 && buf[i - 1] == '\r') len--;
                String s = new String(buf, pos, len, StandardCharsets.UTF_8);
                pos = i + 1;
                return s;
            }
        }
        return null;
    }

    /**
     * The next line without its terminator, or null at end of stream (a partial last line is returned first).
     *
     * @throws AgiProtocolException if a line exceeds the limit (the rest of the stream is unusable)
     */
    String readLine() throws IOException {
        int len = 0;
        while (true) {
            if (pos == limit) {
                int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    return len == 0 ? null : decode(len);
                }
                pos = 0;
                limit = n;
            }
            int start = pos;
            while (pos < limit && buf[pos] != '\n') pos++;
            int chunk = pos - start;
            if (len + chunk > maxLine) {
                throw new AgiProtocolException("line longer than " + maxLine + " bytes from the peer; closing the session");
            }
            if (len + chunk > line.length) {
                line = Arrays.copyOf(line, Math.min(maxLine, Math.max(line.length * 2, len + chunk)));
            }
            System.arraycopy(buf, start, line, len, chunk);
            len += chunk;
            if (pos < limit) { // found LF
                pos++;
                return decode(len);
            }
        }
    }

    private String decode(int len) {
        if (len > 0 && line[len - 1] == '\r') len--;
        return new String(line, 0, len, StandardCharsets.UTF_8);
    }
}
