package org.tinyphone.ari;

import org.tinyphone.net.LogText;

/**
 * Asterisk answered a REST request with an error status. {@link #asteriskMessage()} is the {@code message} of
 * Asterisk's JSON body, e.g. 404 {@code Channel not found}, 409 {@code Channel not in Stasis application},
 * 400 {@code Variable name is required}, 401 {@code Authentication required}. The exception's message shows the
 * reason and Asterisk's message escaped (they reach logs); the accessors give them as Asterisk sent them.
 */
public class AriHttpException extends AriException {
    private final int status;
    private final String reason;
    private final String asteriskMessage;
    private final String method;
    private final String path;

    public AriHttpException(int status, String reason, String asteriskMessage, String method, String path) {
        super(method + " " + path + ": " + status + (reason == null || reason.isEmpty() ? "" : " " + LogText.escape(reason))
                + (asteriskMessage == null || asteriskMessage.isEmpty() ? "" : " (" + LogText.escape(asteriskMessage) + ")"));
        this.status = status;
        this.reason = reason;
        this.asteriskMessage = asteriskMessage == null ? "" : asteriskMessage;
        this.method = method;
        this.path = path;
    }

    /** The HTTP status: 400, 401, 403, 404, 405, 409, 422, 500, ... */
    public int status() { return status; }

    /** The reason phrase when the transport carries it (REST over WebSocket: {@code Variable Not Found}); else null. */
    public String reason() { return reason; }

    /** Asterisk's {@code message} ({@code ""} if the body had none). */
    public String asteriskMessage() { return asteriskMessage; }

    /** The request's method. */
    public String method() { return method; }

    /** The request's path below {@code /ari/}, e.g. {@code channels/1796391224.62/answer} (ids as sent, encoded). */
    public String path() { return path; }

    /** 404: the channel, bridge, playback, recording, variable or resource does not exist (any more). */
    public boolean isNotFound() { return status == 404; }
}
