package org.tinyphone.client;

/**
 * The answer to a talk-back command: {@code ok} with a value (the key that interrupted a playback, the digits
 * collected, "" when none), or not ok with the server's error.
 */
public record CommandResult(boolean ok, String value, String error) {
    public CommandResult {
        value = value == null ? "" : value;
    }

    public static CommandResult ok(String value) {
        return new CommandResult(true, value, null);
    }

    public static CommandResult failed(String error) {
        return new CommandResult(false, "", error);
    }
}
