package org.tinyphone.ami;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One session with Asterisk, from its banner to its end, as the {@link Supervisor} sees it. The real one is
 * {@link SocketSession} (a TCP socket and its reader); {@link Opener} is where the supervisor gets a new one, the
 * seam that lets login, reconnect and keepalive run in tests without sockets.
 */
interface Session {
    /** The banner read when it opened, e.g. {@code Asterisk Call Manager/11.0.0}; null if the peer sent none. */
    String banner();

    /** Sends with this ActionID; the future completes with the response (and list events) or fails after {@code timeout}. */
    CompletableFuture<AmiResponse> send(AmiAction action, Duration timeout, String actionId);

    /** Ends the session (once; later calls do nothing): closes it, fails what waits on it, then tells its opener. */
    void end(String reason);

    /** Asterisk answered a {@code Logoff} on this session: its end is the application's goodbye, not a loss. */
    boolean loggedOff();

    /** Opens a session up to its banner, or throws {@link AmiException.ConnectionLost}. */
    @FunctionalInterface
    interface Opener {
        /** {@code onEnd} is told once, with the reason, when the session ends (also when it ends while opening). */
        Session open(Consumer<String> onEnd);
    }
}
