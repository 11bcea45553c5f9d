package org.tinyphone.net.jetty;

import java.io.IOException;
import org.eclipse.jetty.server.Server;

/** Starting a Jetty server the way every Tinyphone listener does. */
public final class JettyStart {
    private JettyStart() {}

    /**
     * Starts {@code server}; if it cannot start (a port that cannot be bound, most often), stops what did start and
     * throws the failure as an {@link IOException} (Jetty's own when it is one).
     */
    public static void startOrStop(Server server) throws IOException {
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failing
            }
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }
}
