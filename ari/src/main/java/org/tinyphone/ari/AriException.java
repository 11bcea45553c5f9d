package org.tinyphone.ari;

/**
 * An ARI request or connection failed. Subtypes: {@link AriHttpException} (Asterisk answered with an error), {@link AriConnectionException}.
 * The message is safe to log as it is: whatever Asterisk sent in it (a body, a reason, a close reason) is escaped.
 */
public class AriException extends RuntimeException {
    public AriException(String message) { super(message); }
    public AriException(String message, Throwable cause) { super(message, cause); }
}
