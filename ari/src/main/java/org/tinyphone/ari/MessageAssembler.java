package org.tinyphone.ari;

/**
 * Joins the parts of one WebSocket text message, up to a size limit: a longer message is skipped to its end
 * (the connection goes on) and reported once.
 */
final class MessageAssembler {
    private final int maxChars;
    private final StringBuilder buffer = new StringBuilder(1024);
    private boolean skipping;
    private long skipped;

    MessageAssembler(int maxChars) { this.maxChars = maxChars; }

    /**
     * Adds a part. Returns the whole message when {@code last}, else null. For a message over the limit, returns
     * null and, at its last part, a negative number of chars through {@link #skippedChars()}.
     */
    String part(CharSequence data, boolean last) {
        if (!skipping) {
            if (buffer.length() + data.length() > maxChars) {
                skipping = true;
                skipped = buffer.length();
                buffer.setLength(0);
                if (buffer.capacity() > 64 * 1024) buffer.trimToSize();
            } else if (last && buffer.isEmpty()) {
                return data.toString();
            } else {
                buffer.append(data);
            }
        }
        if (skipping) skipped += data.length();
        if (!last) return null;
        if (skipping) return null;
        String m = buffer.toString();
        buffer.setLength(0);
        if (buffer.capacity() > 64 * 1024) buffer.trimToSize();
        return m;
    }

    /** After the last part of a skipped message: how long it was; resets. 0 if nothing was skipped. */
    long skippedChars() {
        if (!skipping) return 0;
        skipping = false;
        long n = skipped;
        skipped = 0;
        return n;
    }
}
