package org.tinyphone.sim.ari;

/** Joins the parts the JDK's WebSocket client hands over into whole text messages (one listener, one thread). */
final class TextParts {
    private final StringBuilder partial = new StringBuilder();

    /** The whole message once {@code last}, else null. */
    String add(CharSequence data, boolean last) {
        if (!last) {
            partial.append(data);
            return null;
        }
        if (partial.isEmpty()) return data.toString();
        String m = partial.append(data).toString();
        partial.setLength(0);
        return m;
    }
}
