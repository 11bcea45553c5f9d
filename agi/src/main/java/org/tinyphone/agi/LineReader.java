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
    private final byte[] buf = new byte[READ_CHUNK];
    private int pos;
    private int limit;
    private byte[] line = new byte[128];

    LineReader(InputStream in, int maxLine) {
        this.in = in;
        this.maxLine = maxLine;
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
