package org.tinyphone.server.ingress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One line of the original hub's relay protocol, as the 2012 Ruby per-call script sends it:
 * {@code id:<uniqueid>,event:<name>,value:<value>}. Pure: text in, typed line out.
 *
 * @param id    Asterisk's uniqueid of the call
 * @param event {@code new_call}, {@code keypress}, {@code audio_level} or {@code hangup}
 * @param value the rest of the line after {@code ,value:}
 */
public record LegacyLine(String id, String event, String value) {
    /** Longest line accepted (a new_call with many arguments stays far below). */
    public static final int MAX_LENGTH = 8192;

    /** @throws IllegalArgumentException naming what is wrong with the line */
    public static LegacyLine parse(String line) {
        if (line.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("relay line longer than " + MAX_LENGTH + " characters");
        }
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (!text.startsWith("id:")) {
            throw new IllegalArgumentException("relay line does not start with 'id:'");
        }
        int event = text.indexOf(",event:");
        if (event < 0) {
            throw new IllegalArgumentException("relay line has no ',event:'");
        }
        int value = text.indexOf(",value:", event);
        if (value < 0) {
            throw new IllegalArgumentException("relay line has no ',value:'");
        }
        String id = text.substring(3, event);
        if (id.isBlank()) {
            throw new IllegalArgumentException("relay line has an empty id");
        }
        return new LegacyLine(id, text.substring(event + 7, value), text.substring(value + 7));
    }

    /**
     * A {@code new_call} value: {@code <callerid>|<dnid>|<arg1>|...}. The arguments are kept as the script sent
     * them (it URI-escaped them, e.g. {@code a%20b}) because the original hub passed them through unchanged and
     * its clients expect them so; the caller id loses a leading '+', as the script did.
     */
    public record NewCall(String callerId, String dnid, List<String> args) {}

    /** Reads this line's value as a {@code new_call}. */
    public NewCall newCall() {
        String[] fields = value.split("\\|", -1);
        if (fields.length < 2) {
            throw new IllegalArgumentException("new_call value needs <callerid>|<dnid>: '" + value + "'");
        }
        List<String> args = new ArrayList<>(Arrays.asList(fields).subList(2, fields.length));
        String callerId = fields[0].startsWith("+") ? fields[0].substring(1) : fields[0];
        return new NewCall(callerId, fields[1], args);
    }

    /** Reads this line's value as a {@code keypress}: one of 0-9 * #. */
    public char key() {
        if (value.length() != 1 || "0123456789*#".indexOf(value.charAt(0)) < 0) {
            throw new IllegalArgumentException("keypress value must be one of 0-9 * #: '" + value + "'");
        }
        return value.charAt(0);
    }

    /** Reads this line's value as an {@code audio_level} (the script sends the window's largest signed sample). */
    public int level() {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("audio_level value is not a number: '" + value + "'");
        }
    }
}
