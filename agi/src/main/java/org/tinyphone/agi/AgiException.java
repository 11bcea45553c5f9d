package org.tinyphone.agi;

/** An AGI session failed: protocol error, lost connection, or a command Asterisk refused. */
public class AgiException extends RuntimeException {
    public AgiException(String message) { super(message); }
    public AgiException(String message, Throwable cause) { super(message, cause); }
}
