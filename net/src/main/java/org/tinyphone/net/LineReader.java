package org.tinyphone.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Splits a peer's byte stream into UTF-8 lines by an explicit {@link Policy}: which bytes end a line, whether a CR
 * before the LF is dropped, the longest line accepted and what happens to a longer one. Reads in chunks; the
 * bytes read past a line stay here, and {@link #rest()} hands them on (with the rest of the stream) to whatever
 * reads the connection next. Not thread-safe: one reader thread.
 *
 * <p>A last line the peer did not end before closing is returned as a line. The limit counts the bytes before the
 * terminator (a CR included): a line of exactly {@code maxBytes} is accepted, one byte more is {@link TooLong}.
 */
public final class LineReader {
    /** Read buffer unless told otherwise, and the size {@link #shrink()} goes back to. */
    public static final int DEFAULT_BUFFER = 512;

    /** What a line longer than the limit does to the stream. */
    public enum Overflow {
        /** {@link TooLong} at once, as soon as the limit is passed; the stream is unusable after it. */
        STOP,
        /** The line is read through its terminator and thrown away; {@link TooLong} stands in its place; go on. */
        SKIP_LINE
    }

    /**
     * How lines are split.
     *
     * @param nulEndsLine a NUL byte ends a line as LF does (the original hub's client dialect)
     * @param dropCr      a CR right before the end of a line is not part of it
     * @param maxBytes    the longest line accepted, in bytes before the terminator
     * @param overflow    what a longer line does
     */
    public record Policy(boolean nulEndsLine, boolean dropCr, int maxBytes, Overflow overflow) {
        public Policy {
            if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be at least 1, not " + maxBytes);
            Objects.requireNonNull(overflow, "overflow");
        }

        /** LF-ended lines, CR before LF dropped, a longer line stops the stream (AGI, the relay port). */
        public static Policy lf(int maxBytes) {
            return new Policy(false, true, maxBytes, Overflow.STOP);
        }
    }

    /** What {@link #next()} returns: a line, a line too long, or the end of the stream. */
    public sealed interface Line permits Text, TooLong, End {}

    /** A line, without its terminator. */
    public record Text(String text) implements Line {}

    /** A line longer than the policy's limit (with {@link Overflow#STOP}, the stream's bytes after it are unusable). */
    public record TooLong(int maxBytes) implements Line {}

    /** The peer closed the stream and every line was returned. */
    public record End() implements Line {}

    private static final End END = new End();

    private final InputStream in;
    private final Policy policy;
    private byte[] buf;
    private int pos;
    private int limit;
    private byte[] line = new byte[128]; // a line that spans reads is gathered here
    private InputStream rest;

    /** A reader with the default (small) read buffer. */
    public LineReader(InputStream in, Policy policy) {
        this(in, policy, DEFAULT_BUFFER);
    }

    /**
     * @param bufferSize the read buffer (at least {@link #DEFAULT_BUFFER}): a larger one takes a burst of lines in one
     *                   read (an AGI environment, ~700 bytes from Asterisk 22), {@link #shrink()} gives it back
     */
    public LineReader(InputStream in, Policy policy, int bufferSize) {
        this.in = Objects.requireNonNull(in, "in");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.buf = new byte[Math.max(DEFAULT_BUFFER, bufferSize)];
    }

    public Policy policy() { return policy; }

    /** The next line, {@link TooLong}, or {@link End}. */
    public Line next() throws IOException {
        boolean tooLong = false;
        int len = 0;
        while (true) {
            if (pos == limit) {
                int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    if (tooLong) return new TooLong(policy.maxBytes());
                    return len == 0 ? END : new Text(decode(line, 0, len));
                }
                pos = 0;
                limit = n;
            }
            int start = pos;
            int end = endOfLine(start);
            int chunk = end - start;
            if (!tooLong && len + chunk > policy.maxBytes()) {
                if (policy.overflow() == Overflow.STOP) {
                    pos = end;
                    return new TooLong(policy.maxBytes());
                }
                tooLong = true;
            }
            if (end == limit) { // no terminator yet: keep what came and read on
                if (!tooLong) len = append(len, start, chunk);
                pos = limit;
                continue;
            }
            pos = end + 1;
            if (tooLong) return new TooLong(policy.maxBytes());
            if (len == 0) return new Text(decode(buf, start, chunk)); // the whole line was in the buffer
            len = append(len, start, chunk);
            return new Text(decode(line, 0, len));
        }
    }

    /**
     * The next line's text, or null at the end of the stream; a line over the limit is a {@link LineTooLongException}
     * (for a {@link Overflow#STOP} policy, whose callers end the connection on it).
     */
    public String readLine() throws IOException {
        return switch (next()) {
            case Text t -> t.text();
            case TooLong t -> throw new LineTooLongException(t.maxBytes());
            case End e -> null;
        };
    }

    /** A line longer than the policy allows, from {@link #readLine()}. */
    public static final class LineTooLongException extends IOException {
        LineTooLongException(int maxBytes) {
            super("line longer than " + maxBytes + " bytes");
        }
    }

    /** The next complete line if one is already buffered, else null; never reads from the stream. */
    public String pollLine() {
        int end = endOfLine(pos);
        if (end == limit || end - pos > policy.maxBytes()) return null;
        String s = decode(buf, pos, end - pos);
        pos = end + 1;
        return s;
    }

    /** True if bytes read from the stream wait here (a partial line counts). */
    public boolean hasBuffered() { return pos < limit; }

    /** Goes back to the default read buffer (memory per idle connection) once what is buffered fits in it. */
    public void shrink() {
        int n = limit - pos;
        if (buf.length > DEFAULT_BUFFER && n <= DEFAULT_BUFFER) {
            byte[] b = new byte[DEFAULT_BUFFER];
            System.arraycopy(buf, pos, b, 0, n);
            buf = b;
            pos = 0;
            limit = n;
        }
    }

    /**
     * The stream from here on: the bytes already read past the last line, then the rest of the underlying stream.
     * For handing a connection on to another reader once its first lines are read; this reader is done then.
     */
    public InputStream rest() {
        if (rest == null) rest = new Rest();
        return rest;
    }

    private final class Rest extends InputStream {
        @Override
        public int read() throws IOException {
            if (pos < limit) return buf[pos++] & 0xff;
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int n) throws IOException {
            Objects.checkFromIndexSize(off, n, b.length);
            if (n == 0) return 0;
            if (pos < limit) {
                int k = Math.min(n, limit - pos);
                System.arraycopy(buf, pos, b, off, k);
                pos += k;
                return k;
            }
            return in.read(b, off, n);
        }

        @Override
        public int available() throws IOException {
            return (limit - pos) + in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Index of the first terminator at or after {@code from}, or {@code limit} if none is buffered. */
    private int endOfLine(int from) {
        byte[] b = buf;
        int i = from;
        if (policy.nulEndsLine()) {
            while (i < limit && b[i] != '\n' && b[i] != 0) i++;
        } else {
            while (i < limit && b[i] != '\n') i++;
        }
        return i;
    }

    private int append(int len, int start, int chunk) {
        if (len + chunk > line.length) {
            line = Arrays.copyOf(line, Math.min(policy.maxBytes(), Math.max(line.length * 2, len + chunk)));
        }
        System.arraycopy(buf, start, line, len, chunk);
        return len + chunk;
    }

    private String decode(byte[] b, int off, int len) {
        if (policy.dropCr() && len > 0 && b[off + len - 1] == '\r') len--;
        return new String(b, off, len, StandardCharsets.UTF_8);
    }
}
