package org.tinyphone.ami;

/** Base of every AMI failure (runtime): connection lost, login refused, action timed out or failed. */
public class AmiException extends RuntimeException {
    public AmiException(String message) { super(message); }

    public AmiException(String message, Throwable cause) { super(message, cause); }

    /** The connection is gone or not logged in; actions in flight are failed with this at once. */
    public static class ConnectionLost extends AmiException {
        public ConnectionLost(String message) { super(message); }

        public ConnectionLost(String message, Throwable cause) { super(message, cause); }
    }

    /** Asterisk refused the Login (it then closes the connection). */
    public static class AuthenticationFailed extends AmiException {
        public AuthenticationFailed(String message) { super(message); }
    }

    /** No response within the action's timeout. */
    public static class Timeout extends AmiException {
        public Timeout(String message) { super(message); }
    }

    /** Asterisk answered {@code Response: Error} where success was required (e.g. Originate). */
    public static class ActionFailed extends AmiException {
        public ActionFailed(String message) { super(message); }
    }
}
