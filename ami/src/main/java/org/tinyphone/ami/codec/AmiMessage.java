package org.tinyphone.ami.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One AMI message (response, event or action) exactly as received: the raw bytes plus an index of where each
 * {@code Key: Value} line sits. Values are turned into Strings only when asked for, every field is kept
 * (repeated keys in order, unknown keys, bare lines without a colon), and key lookup is case-insensitive.
 */
public final class AmiMessage {

    /** What the first line says the message is. */
    public enum Kind { RESPONSE, EVENT, ACTION, OTHER }

    private final byte[] bytes;
    /** Three ints per line: key start, colon position (-1 for a bare line), line end (CR excluded). */
    private final int[] index;
    private final int count;
    private String eventName;
    private String actionId;
    private boolean actionIdLooked;

    AmiMessage(byte[] bytes, int[] index, int count) {
        this.bytes = bytes;
        this.index = index;
        this.count = count;
    }

    /** Builds a message from {@code Key: Value} lines (tests, tools); lines are parsed as if received. */
    public static AmiMessage of(String... lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) sb.append(l).append("\r\n");
        sb.append("\r\n");
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        AmiMessage[] out = new AmiMessage[1];
        new AmiDecoder(false).feed(b, 0, b.length, new AmiDecoder.Listener() {
            @Override public void onMessage(AmiMessage m) { out[0] = m; }
            @Override public void onError(String problem) { throw new IllegalArgumentException(problem); }
        });
        if (out[0] == null) throw new IllegalArgumentException("no fields");
        return out[0];
    }

    /** Number of lines (fields and bare lines). */
    public int size() { return count; }

    /** The key of line {@code i}; a bare line (no colon) has the empty key. */
    public String key(int i) {
        int s = index[i * 3], c = index[i * 3 + 1];
        if (c < 0) return "";
        return new String(bytes, s, c - s, StandardCharsets.UTF_8);
    }

    /** The value of line {@code i} (one space after the colon skipped); a bare line's whole text. */
    public String value(int i) {
        int s = valueStart(i), e = index[i * 3 + 2];
        return new String(bytes, s, e - s, StandardCharsets.UTF_8);
    }

    /** True if line {@code i} had no colon. */
    public boolean isBare(int i) { return index[i * 3 + 1] < 0; }

    private int valueStart(int i) {
        int c = index[i * 3 + 1];
        if (c < 0) return index[i * 3];
        int s = c + 1, e = index[i * 3 + 2];
        if (s < e && bytes[s] == ' ') s++;
        return s;
    }

    private boolean keyIs(int i, String key) {
        int s = index[i * 3], c = index[i * 3 + 1];
        if (c < 0 || c - s != key.length()) return false;
        for (int k = 0; k < key.length(); k++) {
            int a = bytes[s + k], b = key.charAt(k);
            if (a != b) {
                if (a >= 'A' && a <= 'Z') a += 32;
                if (b >= 'A' && b <= 'Z') b += 32;
                if (a != b) return false;
            }
        }
        return true;
    }

    private int find(String key) {
        for (int i = 0; i < count; i++) if (keyIs(i, key)) return i;
        return -1;
    }

    /** The first value for {@code key} (case-insensitive), or null. */
    public String get(String key) {
        int i = find(key);
        return i < 0 ? null : value(i);
    }

    /** The first value for {@code key}, or {@code fallback}. */
    public String get(String key, String fallback) {
        String v = get(key);
        return v == null ? fallback : v;
    }

    /** True if the value of {@code key} equals {@code expected} ignoring case, without building a String. */
    public boolean is(String key, String expected) {
        int i = find(key);
        if (i < 0) return false;
        int s = valueStart(i), e = index[i * 3 + 2];
        if (e - s != expected.length()) return false;
        for (int k = 0; k < expected.length(); k++) {
            int a = bytes[s + k], b = expected.charAt(k);
            if (a != b) {
                if (a >= 'A' && a <= 'Z') a += 32;
                if (b >= 'A' && b <= 'Z') b += 32;
                if (a != b) return false;
            }
        }
        return true;
    }

    /** Whether {@code key} is present. */
    public boolean has(String key) { return find(key) >= 0; }

    /** Every value of a repeated key, in order (e.g. {@code Output}, {@code Variable}). */
    public List<String> getAll(String key) {
        List<String> out = new ArrayList<>(2);
        for (int i = 0; i < count; i++) if (keyIs(i, key)) out.add(value(i));
        return out;
    }

    /** Lines that had no colon, in order. */
    public List<String> bareLines() {
        List<String> out = new ArrayList<>(0);
        for (int i = 0; i < count; i++) if (isBare(i)) out.add(value(i));
        return out;
    }

    /** An integer value, or {@code fallback} when missing or not a number. */
    public int getInt(String key, int fallback) {
        String v = get(key);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** First value per key, keys as sent, in order (repeated keys keep only the first; see {@link #getAll}). */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) if (!isBare(i)) m.putIfAbsent(key(i), value(i));
        return m;
    }

    /** Kind from the first line. */
    public Kind kind() {
        if (count == 0) return Kind.OTHER;
        if (keyIs(0, "Event")) return Kind.EVENT;
        if (keyIs(0, "Response")) return Kind.RESPONSE;
        if (keyIs(0, "Action")) return Kind.ACTION;
        return Kind.OTHER;
    }

    public boolean isEvent() { return count > 0 && keyIs(0, "Event"); }

    public boolean isResponse() { return count > 0 && keyIs(0, "Response"); }

    /** The event name ({@code Event:} value) or null if not an event. */
    public String eventName() {
        if (eventName == null && isEvent()) eventName = value(0);
        return eventName;
    }

    /** True if this is an event named {@code name} (case-insensitive), without allocating. */
    public boolean isEvent(String name) { return isEvent() && is("Event", name); }

    /** The ActionID or null. */
    public String actionId() {
        if (!actionIdLooked) {
            actionId = get("ActionID");
            actionIdLooked = true;
        }
        return actionId;
    }

    /** The {@code Response:} value or null. */
    public String response() { return get("Response"); }

    /** A copy of the received bytes of this message (without the final blank line). */
    public byte[] bytes() { return bytes.clone(); }

    /** The message as received, one line per field, LF-separated. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (int i = 0; i < count; i++) {
            int s = index[i * 3], e = index[i * 3 + 2];
            if (i > 0) sb.append('\n');
            sb.append(new String(bytes, s, e - s, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }
}
