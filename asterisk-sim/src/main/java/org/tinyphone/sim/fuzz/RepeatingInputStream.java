package org.tinyphone.sim.fuzz;

import java.io.InputStream;
import java.util.Objects;

/**
 * A huge input from a small one: {@code pattern} over and over until {@code total} bytes were read, without
 * holding them. For checking that a decoder's limits hold and its memory stays bounded however much a peer sends.
 */
public final class RepeatingInputStream extends InputStream {
    private final byte[] pattern;
    private final long total;
    private long pos;

    public RepeatingInputStream(byte[] pattern, long total) {
        if (Objects.requireNonNull(pattern, "pattern").length == 0) throw new IllegalArgumentException("empty pattern");
        this.pattern = pattern;
        this.total = total;
    }

    @Override
    public int read() {
        if (pos >= total) return -1;
        return pattern[(int) (pos++ % pattern.length)] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        if (pos >= total) return -1;
        int n = (int) Math.min(len, total - pos);
        for (int i = 0; i < n; ) {
            int at = (int) (pos % pattern.length);
            int run = Math.min(n - i, pattern.length - at);
            System.arraycopy(pattern, at, b, off + i, run);
            i += run;
            pos += run;
        }
        return n;
    }

    /** Bytes read so far. */
    public long consumed() {
        return pos;
    }
}
