package org.tinyphone.server.bridge;

/**
 * The outcome of one {@link CallCommand}: {@code ok} with a value (digits pressed, "" when none), or an error.
 */
public record CommandResult(boolean ok, String value, String error) {
    public CommandResult {
        value = value == null ? "" : value;
        if (!ok && (error == null || error.isBlank())) error = "command failed";
        if (ok) error = null;
    }

    public static CommandResult ok(String value) { return new CommandResult(true, value, null); }

    public static CommandResult failed(String error) { return new CommandResult(false, "", error); }
}
