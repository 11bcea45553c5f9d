package org.tinyphone.agi;

/**
 * Outcome of EXEC: the dialplan application's return value.
 *
 * @param code 0 when the application returned normally; -2 when there is no such application; other values
 *             are the application's own (-1 usually means it wants the channel hung up)
 */
public record ExecResult(int code) {
    /** The application ran and returned 0. */
    public boolean ok() { return code == 0; }

    /** Asterisk has no application by that name ({@code result=-2}). */
    public boolean applicationNotFound() { return code == -2; }
}
