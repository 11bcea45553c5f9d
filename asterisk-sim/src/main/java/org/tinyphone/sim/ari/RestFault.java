package org.tinyphone.sim.ari;

import java.time.Duration;
import java.util.Objects;

/**
 * What goes wrong with a REST request the simulated Asterisk was told to fail
 * ({@link SimulatedAriAsterisk#failRequests}, {@link SimulatedAriCall#failVariableReads}): an error Asterisk answers
 * instead, the real answer but late, or no answer at all. The request still arrives through the real HTTP server (or
 * the WebSocket), authenticated, and is in {@link SimulatedAriAsterisk#httpRequests()}.
 */
public final class RestFault {
    enum Kind { ANSWER, LATE, DROP }

    final Kind kind;
    final AriResponse answer;
    final Duration delay;

    private RestFault(Kind kind, AriResponse answer, Duration delay) {
        this.kind = kind;
        this.answer = answer;
        this.delay = delay;
    }

    /** Asterisk answers this error (with its {@code {"message":...}} body) instead of doing the request. */
    public static RestFault answer(int status, String reason, String message) {
        return new RestFault(Kind.ANSWER, AriResponse.error(status, Objects.requireNonNull(reason), Objects.requireNonNull(message)), null);
    }

    /**
     * 500 {@code Error With Function} {@code {"message":"Unable to read provided function"}}: Asterisk's answer when a
     * dialplan function such as {@code CALLERID(dnid)} fails to read (res/ari/resource_channels.c: the function is not
     * loaded, or its read failed).
     */
    public static RestFault functionReadFailed() { return answer(500, "Error With Function", "Unable to read provided function"); }

    /** 404 {@code Variable Not Found} {@code {"message":"Provided variable was not found"}}: a variable that is not set (capture 09a). */
    public static RestFault variableNotFound() { return answer(404, "Variable Not Found", "Provided variable was not found"); }

    /** The real answer, only after {@code delay}: a client that waits less has given up (a loaded or stuck Asterisk). */
    public static RestFault answerAfter(Duration delay) {
        if (delay.isNegative()) throw new IllegalArgumentException("negative delay: " + delay);
        return new RestFault(Kind.LATE, null, delay);
    }

    /**
     * No answer: over HTTP the TCP connection closes without a response (a crash, a reset); over a WebSocket no
     * RESTResponse is ever sent (closing the WebSocket would end its events too).
     */
    public static RestFault dropConnection() { return new RestFault(Kind.DROP, null, null); }

    @Override
    public String toString() {
        return switch (kind) {
            case ANSWER -> "answer " + answer.status() + " " + answer.reason();
            case LATE -> "answer after " + delay.toMillis() + " ms";
            case DROP -> "drop the connection";
        };
    }
}
