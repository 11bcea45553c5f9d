package org.tinyphone.ari;

/** No answer from Asterisk: it cannot be reached, the connection was lost before the answer, or the answer took too long. */
public class AriConnectionException extends AriException {
    public AriConnectionException(String message) { super(message); }
    public AriConnectionException(String message, Throwable cause) { super(message, cause); }
}
