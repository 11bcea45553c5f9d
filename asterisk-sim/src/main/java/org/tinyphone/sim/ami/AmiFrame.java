package org.tinyphone.sim.ami;

import java.util.ArrayList;
import java.util.List;

/** One message as the fake server reads it from the client: ordered {@code Key: Value} lines. */
public record AmiFrame(List<String[]> fields) {

    /** Parses lines (without line ends); a line without colon gets an empty value. */
    public static AmiFrame parse(List<String> lines) {
        List<String[]> f = new ArrayList<>();
        for (String l : lines) {
            int c = l.indexOf(':');
            if (c < 0) {
                f.add(new String[] {l, ""});
            } else {
                String v = l.substring(c + 1);
                if (v.startsWith(" ")) v = v.substring(1);
                f.add(new String[] {l.substring(0, c), v});
            }
        }
        return new AmiFrame(List.copyOf(f));
    }

    /** First value of {@code key} (case-insensitive) or null. */
    public String get(String key) {
        for (String[] kv : fields) if (kv[0].equalsIgnoreCase(key)) return kv[1];
        return null;
    }

    public List<String> getAll(String key) {
        List<String> out = new ArrayList<>();
        for (String[] kv : fields) if (kv[0].equalsIgnoreCase(key)) out.add(kv[1]);
        return out;
    }

    /** The {@code Action:} name. */
    public String action() { return get("Action"); }

    public String actionId() { return get("ActionID"); }

    public List<String> keys() { return fields.stream().map(kv -> kv[0]).toList(); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (String[] kv : fields) sb.append(kv[0]).append(": ").append(kv[1]).append(" | ");
        return sb.toString();
    }
}
