package org.tinyphone.ari;

/**
 * A recording of a channel or bridge ({@code POST /channels/{id}/record}). The file goes to Asterisk's recordings
 * directory under {@code name} (no path above it).
 *
 * @param maxDurationSeconds stop after this long; null or 0 = no limit
 * @param maxSilenceSeconds  stop after this much silence; null or 0 = no limit
 * @param ifExists           {@code fail} (Asterisk's default), {@code overwrite} or {@code append}
 * @param terminateOn        key that stops it: {@code none} (default), {@code any}, {@code *} or {@code #}
 */
public record RecordOptions(String name, String format, Integer maxDurationSeconds, Integer maxSilenceSeconds,
                            String ifExists, Boolean beep, String terminateOn) {
    public RecordOptions {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a recording needs a name");
        if (format == null || format.isEmpty()) throw new IllegalArgumentException("a recording needs a format (wav, gsm, ...)");
    }

    public static RecordOptions of(String name, String format) { return new RecordOptions(name, format, null, null, null, null, null); }

    public RecordOptions maxDurationSeconds(Integer s) { return new RecordOptions(name, format, s, maxSilenceSeconds, ifExists, beep, terminateOn); }
    public RecordOptions maxSilenceSeconds(Integer s) { return new RecordOptions(name, format, maxDurationSeconds, s, ifExists, beep, terminateOn); }
    public RecordOptions ifExists(String v) { return new RecordOptions(name, format, maxDurationSeconds, maxSilenceSeconds, v, beep, terminateOn); }
    public RecordOptions beep(Boolean v) { return new RecordOptions(name, format, maxDurationSeconds, maxSilenceSeconds, ifExists, v, terminateOn); }
    public RecordOptions terminateOn(String v) { return new RecordOptions(name, format, maxDurationSeconds, maxSilenceSeconds, ifExists, beep, v); }
}
