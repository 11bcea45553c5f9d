package org.tinyphone.server.ingress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads LF-ended UTF-8 lines (a CR before the LF is dropped) with a length limit; leaves later bytes unread. */
final class LineReader {
    private final InputStream in;
    private final int maxLength;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineReader(InputStream in, int maxLength) {
        this.in = in;
        this.maxLength = maxLength;
    }

    /** The next line without its end, or {@code null} at end of stream (a last unterminated line is returned first). */
    String readLine() throws IOException {
        line.reset();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : text();
            }
            if (b == '\n') {
                return text();
            }
            if (line.size() >= maxLength) {
                throw new IOException("line longer than " + maxLength + " bytes");
            }
            line.write(b);
        }
    }

    private String text() {
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
