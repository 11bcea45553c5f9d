package org.tinyphone.server.clients;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;
import org.tinyphone.server.access.Peer;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.Subscriber;

/**
 * One connected client of any dialect: a bounded {@link Outbox} filled by the bridge (never blocking it) and
 * drained by the client's own writer virtual thread, so a slow client only ever slows itself down.
 */
abstract class ClientSession implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final int BATCH = 64;
    /** Queued by {@link #idleCheck} when nothing was sent for a while: the writer lets the transport ping. */
    private static final Object IDLE = new Object();

    protected final ClientSessions clientSessions;
    protected final Transport transport;
    protected final Outbox outbox;
    private final String dialect;
    private final Peer peer;
    private final long id;
    private final AtomicBoolean finished = new AtomicBoolean();
    /** Why the server is ending the session, once it is (set once). */
    private final java.util.concurrent.atomic.AtomicReference<String> closingReason = new java.util.concurrent.atomic.AtomicReference<>();
    private Thread writer;

    /** @param peer where the client connects from (see {@code AccessPolicy}) */
    ClientSession(ClientSessions clientSessions, Transport transport, String dialect, Peer peer) {
        this.clientSessions = clientSessions;
        this.transport = transport;
        this.dialect = dialect;
        this.peer = peer;
        this.id = clientSessions.nextId();
        this.outbox = new Outbox(clientSessions.limits().queue(), clientSessions.limits().overloadTimeout());
    }

    final String dialect() { return dialect; }

    /** Where the client connects from, for the access rules. */
    final Peer peer() { return peer; }

    /** Registers the session and starts its writer. */
    void start() {
        clientSessions.added(this);
        writer = Thread.ofVirtual().name("tinyphone-client-" + id + "-writer").start(this::writeLoop);
    }

    /** Turns a queued message into the UTF-8 bytes to write, framing included (possibly shared: never modified). */
    protected abstract byte[] render(Object message);

    /** Forgets the client's subscriptions (the session is ending). */
    protected abstract void unsubscribeAll();

    /**
     * From the bridge's fan-out ({@code bridge.FanOut}), never under the bridge's room lock: queues the event, or
     * writes it from this thread when the transport can send without blocking and the outbox says nothing can be
     * overtaken. That direct write spares an idle WebSocket client the wake-up and park of its writer per event (one
     * event to many clients then costs a frame and a write each; docs/performance.md, "Bridge fan-out").
     */
    @Override
    public void onEvent(CallEvent event) {
        Outbox.Offer offer = outbox.offerEvent(event, transport.sendsNow());
        if (offer != Outbox.Offer.DIRECT) {
            handleOffer(offer);
            return;
        }
        try {
            transport.sendNow(render(event), this::directDone);
        } catch (RuntimeException e) {
            directDone(e);
        } finally {
            outbox.directHandedOver();
        }
    }

    /*
     * Locks: no lock of ours is held while the transport is called (the outbox only decides, see Outbox). Jetty may
     * run a frame's callback, and so directDone and the outbox's lock, inside its own flusher lock: Jetty -> outbox.
     * The reverse never happens, so the two cannot deadlock. The bridge's room lock is never held here.
     */
    private void directDone(Throwable failure) {
        outbox.directDone();
        if (failure != null) {
            // may run inside the connection's callback: end the session on a thread of its own
            Thread.ofVirtual().name("tinyphone-client-" + id + "-close").start(() -> {
                log.debug("client {} ({}): write failed: {}", id, transport.remote(), failure.toString());
                finish("write failed");
            });
        }
    }

    /** Queues a reply; it is never coalesced. */
    final void send(Object message) {
        handleOffer(outbox.offerControl(message));
    }

    private void handleOffer(Outbox.Offer offer) {
        switch (offer) {
            case COALESCED -> clientSessions.coalesced.increment();
            case DROPPED -> clientSessions.dropped.increment();
            case OVERLOADED -> overloaded();
            default -> { }
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                List<Object> batch = outbox.take(BATCH, null); // untimed: idle pings come from ClientSessions' sweeper
                if (batch == null) {
                    transport.drain(); // the goodbye and what came before it leave before the close
                    break;
                }
                for (Object m : batch) {
                    if (m == IDLE) transport.idle();
                    else if (m instanceof CallEvent.AudioLevel) {
                        if (!transport.writeVolatile(render(m))) clientSessions.dropped.increment();
                    } else transport.write(render(m));
                }
                transport.flush(); // a WebSocket waits here only while its previous batch is still being written

                outbox.progress();
            }
        } catch (IOException e) {
            log.debug("client {} ({}): write failed: {}", id, transport.remote(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("client {} ({}): writer failed", id, transport.remote(), e);
        } finally {
            String why = closingReason.get();
            finish(why != null ? why : "writer ended");
        }
    }

    /**
     * Called by the client's reader before it handles its next request: waits while the replies to its earlier
     * requests are not yet written (a client that asks faster than it reads is slowed down, never disconnected for
     * its own replies). False if the session is ending: then the request is dropped.
     */
    final boolean readyForRequest() {
        try {
            if (outbox.awaitReplyRoom(clientSessions.limits().overloadTimeout())) return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (outbox.overloadReason() != null) overloaded();
        return false;
    }

    /** Called now and then by ClientSessions' sweeper: a session that sent nothing for {@code idleNanos} gets an idle ping. */
    final void idleCheck(long idleNanos) {
        if (!finished.get() && outbox.idleNanos() >= idleNanos) outbox.offerControl(IDLE);
    }

    /**
     * The client fell too far behind: what waits for it is thrown away (counted), it is told why if its dialect
     * can say so, and the connection is closed once that is written (or after 2 s, if it does not read at all).
     */
    private void overloaded() {
        String reason = outbox.overloadReason();
        if (finished.get() || !closingReason.compareAndSet(null, reason)) return;
        List<Object> dropped = outbox.abort(goodbye(reason)); // later events find it closed
        for (Object m : dropped) clientSessions.discarded(m instanceof CallEvent e ? e.type() : "reply").increment();
        clientSessions.overloadDisconnects.increment();
        // may be called under the bridge's lock (unsubscribing there could deadlock): the rest on another thread
        Thread w = writer;
        Thread.ofVirtual().name("tinyphone-client-" + id + "-close").start(() -> {
            unsubscribeAll();
            log.warn("client {} ({}, {}) disconnected: {}; {} queued messages discarded", id, dialect,
                    transport.remote(), reason, dropped.size());
            try {
                if (w == null || !w.join(Duration.ofSeconds(2))) finish(reason);
            } catch (InterruptedException e) {
                finish(reason);
            }
        });
    }

    /** The last message before the server closes the connection itself (null: the dialect has none). */
    protected Object goodbye(String reason) { return null; }

    /**
     * Ends the session politely: no more events, the given reason sent to native clients, the queue flushed,
     * then the connection closed (forcibly after 2 s if the client does not read).
     */
    void close(String reason) {
        if (finished.get() || !closingReason.compareAndSet(null, reason)) return;
        unsubscribeAll();
        Object last = goodbye(reason);
        if (last != null) send(last);
        outbox.close();
        Thread w = writer;
        Thread.ofVirtual().start(() -> {
            try {
                if (w != null && !w.join(Duration.ofSeconds(2))) finish(reason);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** The connection is gone (peer closed or error): drop everything. Idempotent. */
    final void finish(String reason) {
        if (!finished.compareAndSet(false, true)) return;
        unsubscribeAll();
        outbox.abort();
        transport.close(reason);
        clientSessions.removed(this);
        log.debug("client {} ({}, {}) closed: {}", id, dialect, transport.remote(), LogText.escape(reason));
    }

    final boolean finished() { return finished.get(); }

    final long id() { return id; }

    @Override
    public String toString() { return "client " + id + " (" + dialect + ", " + transport.remote() + ")"; }
}
