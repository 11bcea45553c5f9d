package org.tinyphone.sim.ari;

import java.net.http.WebSocket;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
/** An events connection: messages go out in order on their own thread; a dead peer never blocks the simulator. */
abstract class AriSink {
    private final AriState st;
    private final AriRoutes routes;
    final Set<String> apps = new LinkedHashSet<>();
    final LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
    final String user;
    final boolean perCall;
    volatile boolean open = true;
    private volatile boolean writing;

    AriSink(AriState st, AriRoutes routes, String user, boolean perCall) {
        this.st = st;
        this.routes = routes;
        this.user = user;
        this.perCall = perCall;
        Thread.ofVirtual().name("sim-ari-writer").start(this::writeLoop);
    }

    void enqueue(String text) {
        if (open) out.offer(text);
    }

    private void writeLoop() {
        try {
            while (true) {
                String t = out.take();
                if (!open) return;
                writing = true;
                try {
                    write(t);
                } catch (Exception e) {
                    abort();
                    return;
                } finally {
                    writing = false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    abstract void write(String text) throws Exception;

    /** Everything queued has been written (or the connection is gone). */
    boolean drained() { return !open || out.isEmpty() && !writing; }

    /** Drops the connection without a close frame. */
    abstract void abort();

    /** Closes it with 1000. */
    abstract void close();

    /** A text message from the peer: REST over the WebSocket. */
    void received(String text) {
        synchronized (st) {
            routes.restOverWebSocket(text, user, apps.isEmpty() ? null : apps.iterator().next(), this::enqueue);
        }
    }

    void ended() {
        open = false;
        synchronized (st) {
            st.sinks.remove(this);
        }
    }
}

