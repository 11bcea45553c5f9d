package org.tinyphone.server.clients;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads lines ended by {@code \n} or {@code \0} (both end a line in the original hub's dialect), at most
 * {@code maxLine} bytes each: a longer line is skipped up to its end and reported as {@link #TOO_LONG}.
 * A partial line at end of stream is returned as a line.
 */
final class LineReader {
    /** Returned in place of a line longer than the limit. */
    static final String TOO_LONG = new String("\u0000too long");

    private final InputStream in;
    private final int maxLine;
    private final byte[] buf = new byte[8192];
    private int pos, end;

    LineReader(InputStream in, int maxLine) {
        this.in = in;
        this.maxLine = maxLine;
    }

    /** The next line without its terminator (identity-compare with {@link #TOO_LONG}), or null at end of stream. */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        boolean tooLong = false;
        boolean any = false;
        while (true) {
            if (pos == end) {
                end = in.read(buf);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    if (!any) return null;
                    return tooLong ? TOO_LONG : line.toString(StandardCharsets.UTF_8);
                }
            }
            any = true;
            int start = pos;
            while (pos < end && buf[pos] != '\n' && buf[pos] != 0) pos++;
            if (!tooLong) {
                if (line.size() + (pos - start) > maxLine) {
                    tooLong = true;
                    line.reset();
                } else {
                    line.write(buf, start, pos - start);
                }
            }
            if (pos < end) { // terminator
                pos++;
                return tooLong ? TOO_LONG : line.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
