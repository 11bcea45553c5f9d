package org.tinyphone.client;

/** The server refused a request (bad token, malformed request), or the connection is gone. */
public class TinyphoneException extends RuntimeException {
    public TinyphoneException(String message) {
        super(message);
    }

    public TinyphoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
