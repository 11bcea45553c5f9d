package org.tinyphone.sim.fuzz;

import java.io.InputStream;
import java.util.Objects;

/**
 * Bytes that arrive in pieces, as TCP delivers them: each read returns at most the next segment size (sizes are
 * used in turn, cycling; a size below 1 counts as 1). Decoders must give the same result however the bytes are cut.
 */
public final class SegmentedInputStream extends InputStream {
    private final byte[] data;
    private final int[] sizes;
    private int pos;
    private int next;

    public SegmentedInputStream(byte[] data, int... sizes) {
        this.data = Objects.requireNonNull(data, "data");
        this.sizes = sizes.length == 0 ? new int[] {Integer.MAX_VALUE} : sizes.clone();
    }

    @Override
    public int read() {
        return pos < data.length ? data[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        if (pos == data.length) return -1;
        int size = Math.max(1, sizes[next++ % sizes.length]);
        int n = Math.min(Math.min(len, size), data.length - pos);
        System.arraycopy(data, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return data.length - pos;
    }

    /** Bytes handed out so far. */
    public int consumed() {
        return pos;
    }
}
