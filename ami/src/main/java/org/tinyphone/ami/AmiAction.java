package org.tinyphone.ami;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.tinyphone.ami.codec.AmiEncoder;

/**
 * An AMI action to send: the action name and ordered fields (repeated keys such as {@code Variable} are
 * kept). The connection adds the {@code ActionID} unless one is set.
 * <pre>{@code AmiAction.of("Originate").add("Channel", "PJSIP/100").add("Variable", "A=1").add("Variable", "B=2")}</pre>
 */
public final class AmiAction {
    private final String name;
    private final List<Map.Entry<String, String>> fields = new ArrayList<>();

    private AmiAction(String name) {
        AmiEncoder.checkValue("Action", name);
        if (name.isBlank()) throw new IllegalArgumentException("empty action name");
        this.name = name;
    }

    public static AmiAction of(String name) { return new AmiAction(name); }

    /** Appends a field (repeating a key appends another line). */
    public AmiAction add(String key, String value) {
        AmiEncoder.checkKey(key);
        String v = value == null ? "" : value;
        AmiEncoder.checkValue(key, v);
        if (key.equalsIgnoreCase("Action")) throw new IllegalArgumentException("use AmiAction.of(name) for Action");
        fields.add(Map.entry(key, v));
        return this;
    }

    /** Appends {@code key: value} if value is not null. */
    public AmiAction addIfPresent(String key, Object value) {
        return value == null ? this : add(key, String.valueOf(value));
    }

    public String name() { return name; }

    /** The first value of a key, or null. */
    public String get(String key) {
        for (Map.Entry<String, String> f : fields) if (f.getKey().equalsIgnoreCase(key)) return f.getValue();
        return null;
    }

    /** Fields without the Action line, in order. */
    public List<Map.Entry<String, String>> fields() { return List.copyOf(fields); }

    /** Wire bytes with {@code ActionID: id} added after the other fields (unless one is present). */
    public byte[] encode(String actionId) {
        List<Map.Entry<String, String>> all = new ArrayList<>(fields.size() + 2);
        all.add(Map.entry("Action", name));
        all.addAll(fields);
        if (actionId != null && get("ActionID") == null) all.add(Map.entry("ActionID", actionId));
        return AmiEncoder.encode(all);
    }

    /** Parses {@code "Key: Value"} lines as given on a command line; the first must be {@code Action: X}. */
    public static AmiAction parseLines(List<String> lines) {
        if (lines.isEmpty()) throw new IllegalArgumentException("no action given (expected 'Action: Name')");
        AmiAction a = null;
        for (String line : lines) {
            int c = line.indexOf(':');
            if (c <= 0) throw new IllegalArgumentException("not a 'Key: Value' line: " + line);
            String k = line.substring(0, c).trim();
            String v = line.substring(c + 1);
            if (v.startsWith(" ")) v = v.substring(1);
            if (a == null) {
                if (!k.equalsIgnoreCase("Action")) throw new IllegalArgumentException("first line must be 'Action: Name', got: " + line);
                a = of(v.trim());
            } else {
                a.add(k, v);
            }
        }
        return a;
    }

    @Override
    public String toString() { return "Action: " + name + (get("ActionID") != null ? " (ActionID " + get("ActionID") + ")" : ""); }
}
