package org.tinyphone.server.clients;

import java.io.IOException;

/** How a session's messages leave: a TCP socket or a WebSocket. Only the session's writer thread writes. */
interface Transport {
    /**
     * Writes one message (already framed, UTF-8). The array may be shared with other sessions and must not be
     * modified or kept after {@link #flush}. May block while the peer is slow, or only queue the message.
     */
    void write(byte[] message) throws IOException;

    /**
     * Writes an audio level only if nothing written to this client is still waiting to go out (socket.io's
     * {@code volatile}); false when it was dropped. Transports without such a rule write it as any message.
     */
    default boolean writeVolatile(byte[] message) throws IOException {
        write(message);
        return true;
    }

    /**
     * Pushes written messages out. May return while they are still being written (a WebSocket keeps one batch
     * in flight, and waits for it before the next batch goes out), so that a writer does not park per batch.
     */
    void flush() throws IOException;

    /**
     * True when {@link #sendNow} may be used: the transport can hand a message to the connection from any thread
     * without blocking it (a WebSocket can; a TCP client is written by its writer thread only).
     */
    default boolean sendsNow() { return false; }

    /**
     * Hands one message (shared bytes, never modified) to the connection from the calling thread, without waiting:
     * written at once when the socket has room, else as soon as it has, after every message handed over before it.
     * {@code done} gets null when it is written, or the failure (possibly inside this call). Only for transports whose
     * {@link #sendsNow} is true; the caller holds no lock (docs/design.md, "Lock order").
     */
    default void sendNow(byte[] message, java.util.function.Consumer<Throwable> done) {
        throw new UnsupportedOperationException("this transport is written by its writer thread only");
    }

    /** Returns once everything flushed is written (before the connection is closed politely). */
    default void drain() throws IOException {}

    /** Nothing was sent for a while (a WebSocket pings, so dead peers are found). */
    default void idle() throws IOException {}

    /** Closes the connection; unblocks a writer stuck in {@link #write} or {@link #flush}. Idempotent. */
    void close(String reason);

    /** The peer, for logs. */
    String remote();
}
