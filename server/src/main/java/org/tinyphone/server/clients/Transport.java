package org.tinyphone.server.clients;

import java.io.IOException;

/** How a session's messages leave: a TCP socket or a WebSocket. Only the session's writer thread writes. */
interface Transport {
    /** Writes one message (already framed); may block while the peer is slow. */
    void write(String message) throws IOException;

    /** Pushes written messages out. */
    void flush() throws IOException;

    /** Nothing was sent for a while (a WebSocket pings, so dead peers are found). */
    default void idle() throws IOException {}

    /** Closes the connection; unblocks a writer stuck in {@link #write}. Idempotent. */
    void close(String reason);

    /** The peer, for logs. */
    String remote();
}
