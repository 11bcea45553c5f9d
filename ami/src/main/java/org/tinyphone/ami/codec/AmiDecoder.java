package org.tinyphone.ami.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Push decoder for the bytes Asterisk sends on an AMI connection. No I/O: feed it whatever was read, it calls
 * back with the banner, each complete message and each problem. Accepts CRLF and LF-only line ends, skips
 * stray blank lines, keeps bare lines (no colon), and bounds line and message size: an over-long line or
 * message is skipped up to the next blank line and reported once through {@link Listener#onError}.
 * Not thread-safe: one decoder per connection, fed by its reader.
 */
public final class AmiDecoder {

    /** Receives what the decoder found. */
    public interface Listener {
        /** The first line when it is an {@code Asterisk Call Manager/x.y.z} banner. */
        default void onBanner(String banner) { }

        void onMessage(AmiMessage message);

        /** A problem that cost one message (too long line/message); decoding goes on. */
        void onError(String problem);
    }

    public static final String BANNER_PREFIX = "Asterisk Call Manager/";
    public static final int DEFAULT_MAX_LINE = 64 * 1024;
    public static final int DEFAULT_MAX_MESSAGE = 1024 * 1024;

    private final int maxLine;
    private final int maxMessage;
    private boolean expectBanner;

    private byte[] buf = new byte[16 * 1024];
    private int len;          // bytes in buf
    private int msgStart;     // start of the message being built
    private int scan;         // next byte to look at for LF
    private int lineStart;    // start of the current line
    private int[] idx = new int[3 * 32];
    private int fields;
    private boolean discarding; // skipping the rest of an over-long line
    private boolean broken;     // current message lost a line: drop it at its end
    private String brokenReason;

    /** A decoder that expects the banner as the first line. */
    public AmiDecoder() { this(true); }

    public AmiDecoder(boolean expectBanner) { this(expectBanner, DEFAULT_MAX_LINE, DEFAULT_MAX_MESSAGE); }

    public AmiDecoder(boolean expectBanner, int maxLine, int maxMessage) {
        if (maxLine < 16 || maxMessage < maxLine) throw new IllegalArgumentException("bad limits");
        this.expectBanner = expectBanner;
        this.maxLine = maxLine;
        this.maxMessage = maxMessage;
    }

    /** Feeds received bytes; complete messages are delivered to {@code listener} before this returns. */
    public void feed(byte[] in, int off, int n, Listener listener) {
        while (n > 0) {
            if (discarding) {
                int lf = indexOfLf(in, off, off + n);
                if (lf < 0) return;             // still inside the over-long line
                discarding = false;
                n -= lf + 1 - off;
                off = lf + 1;
                continue;
            }
            int room = ensureRoom(n);
            int take = Math.min(room, n);
            if (take == 0) {               // cannot happen with sane limits; never spin
                messageTooLong(listener);
                continue;
            }
            System.arraycopy(in, off, buf, len, take);
            len += take;
            off += take;
            n -= take;
            parse(listener);
        }
    }

    private int ensureRoom(int want) {
        if (msgStart > 0 && (buf.length - len < want)) {
            int shift = msgStart;
            System.arraycopy(buf, shift, buf, 0, len - shift);
            len -= shift;
            scan -= shift;
            lineStart -= shift;
            msgStart = 0;
            for (int i = 0; i < fields * 3; i++) if (idx[i] >= 0) idx[i] -= shift;
        }
        if (buf.length - len < want && buf.length < maxMessage + 2) {
            int cap = Math.min(Math.max(buf.length * 2, len + Math.min(want, 64 * 1024)), maxMessage + 2);
            buf = Arrays.copyOf(buf, Math.max(cap, buf.length));
        }
        return Math.max(buf.length - len, 0);
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LF8 = 0x0A0A0A0A0A0A0A0AL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** First LF in {@code b[from, to)} or -1; eight bytes per step (SWAR), then byte by byte. */
    static int indexOfLf(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ LF8;          // LF bytes become zero
            long z = (x - ONES) & ~x & HIGHS;                // high bit set in the first zero byte (exact for the lowest)
            if (z != 0) return i + (Long.numberOfTrailingZeros(z) >>> 3);
        }
        for (; i < to; i++) if (b[i] == '\n') return i;
        return -1;
    }

    private void parse(Listener l) {
        while (true) {
            int lf = indexOfLf(buf, scan, len);
            if (lf < 0) {
                scan = len;
                // the unfinished line counted as it will count once its LF comes, so that where a read ends never
                // changes the outcome: a CR before the LF is not part of the line, and a lone CR may still be the
                // blank line that ends the message (which counts for nothing)
                int partial = len - lineStart;
                int content = partial > 0 && buf[len - 1] == '\r' ? partial - 1 : partial;
                if (content > maxLine) {
                    lineTooLong(l);
                    return;
                }
                int atLeast = lineStart - msgStart + (content == 0 ? 0 : partial + 1);
                if (!expectBanner && (atLeast > maxMessage || (len == buf.length && buf.length >= maxMessage + 2))) {
                    // drop the message's lines but keep the unfinished one: it may be the blank line that ends it
                    markBroken("message longer than " + maxMessage + " bytes");
                    msgStart = lineStart;
                }
                return;
            }
            scan = lf + 1;
            int end = lf;
            if (end > lineStart && buf[end - 1] == '\r') end--;
            if (end - lineStart > maxLine) {
                markBroken("line longer than " + maxLine + " bytes");
                expectBanner = false;  // it was the first line, and too long for a banner
                lineStart = scan;
                continue;
            }
            if (expectBanner) {
                expectBanner = false;
                if (startsWith(lineStart, end, BANNER_PREFIX)) {
                    l.onBanner(new String(buf, lineStart, end - lineStart, StandardCharsets.UTF_8));
                    lineStart = scan;
                    msgStart = scan;
                    continue;
                }
            }
            if (end == lineStart) {          // blank line: end of message
                if (broken) {
                    l.onError("dropped a message: " + brokenReason);
                    broken = false;
                } else if (fields > 0) {
                    emit(l);
                }
                fields = 0;
                lineStart = scan;
                msgStart = scan;
                continue;
            }
            if (scan - msgStart > maxMessage) {
                markBroken("message longer than " + maxMessage + " bytes");
                lineStart = scan;
                continue;
            }
            int colon = -1;
            for (int i = lineStart; i < end; i++) {
                if (buf[i] == ':') { colon = i; break; }
            }
            if (fields * 3 + 3 > idx.length) idx = Arrays.copyOf(idx, idx.length * 2);
            idx[fields * 3] = lineStart;
            idx[fields * 3 + 1] = colon;
            idx[fields * 3 + 2] = end;
            fields++;
            lineStart = scan;
        }
    }

    private void markBroken(String reason) {
        if (!broken) brokenReason = reason;
        broken = true;
        fields = 0;
    }

    private void lineTooLong(Listener l) {
        markBroken("line longer than " + maxLine + " bytes");
        expectBanner = false;
        discardBuffered();
        discarding = true;
    }

    private void messageTooLong(Listener l) {
        markBroken("message longer than " + maxMessage + " bytes");
        discardBuffered();
        discarding = true;
    }

    private void discardBuffered() {
        len = 0;
        scan = 0;
        lineStart = 0;
        msgStart = 0;
        fields = 0;
    }

    private boolean startsWith(int from, int end, String prefix) {
        if (end - from < prefix.length()) return false;
        for (int i = 0; i < prefix.length(); i++) if (buf[from + i] != prefix.charAt(i)) return false;
        return true;
    }

    private void emit(Listener l) {
        int base = idx[0];
        int stop = idx[(fields - 1) * 3 + 2];
        byte[] b = Arrays.copyOfRange(buf, base, stop);
        int[] ix = new int[fields * 3];
        for (int i = 0; i < fields * 3; i++) {
            int v = idx[i];
            ix[i] = v < 0 ? -1 : v - base;
        }
        l.onMessage(new AmiMessage(b, ix, fields));
    }

    /** Bytes held for an unfinished message (diagnostics). */
    public int buffered() { return len - msgStart; }
}
