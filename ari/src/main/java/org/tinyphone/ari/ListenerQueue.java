package org.tinyphone.ari;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener with its own bounded queue and virtual thread. The producer (a WebSocket reader) never waits:
 * Asterisk closes an ARI WebSocket whose reader stalls ({@code websocket_write_timeout}, 100 ms), so a listener
 * that falls a whole queue behind loses items, with a warning, instead.
 */
final class ListenerQueue<T> implements AriSubscription {
    private static final Logger log = LoggerFactory.getLogger(ListenerQueue.class);
    private static final Object STOP = new Object();

    private final String name;
    private final Consumer<? super T> consumer;
    private final ArrayBlockingQueue<Object> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedTotal;
    private final Runnable onClose;
    private volatile boolean closed;

    ListenerQueue(String name, Consumer<? super T> consumer, int capacity, AtomicLong droppedTotal, Runnable onClose) {
        this.name = name;
        this.consumer = consumer;
        this.queue = new ArrayBlockingQueue<>(capacity + 1);   // + 1: room for STOP
        this.droppedTotal = droppedTotal;
        this.onClose = onClose;
        Thread.ofVirtual().name("ari-listener-" + name).start(this::run);
    }

    void offer(T item) {
        if (closed) return;
        if (queue.remainingCapacity() <= 1 || !queue.offer(item)) {
            long d = dropped.incrementAndGet();
            if (droppedTotal != null) droppedTotal.incrementAndGet();
            if (d == 1 || d % 1000 == 0) {
                log.warn("ARI listener {} is {} items behind: {} item(s) dropped for it so far (the connection and calls go on)",
                        name, queue.size(), d);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void run() {
        try {
            while (true) {
                Object o = queue.take();
                if (o == STOP) return;
                try {
                    consumer.accept((T) o);
                } catch (RuntimeException e) {
                    log.warn("ARI listener {} threw; it keeps receiving", name, e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets what is queued be delivered, then ends the thread. */
    void stopAfterQueued() {
        closed = true;
        queue.offer(STOP);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        queue.clear();
        queue.offer(STOP);
        onClose.run();
    }

    @Override
    public long dropped() { return dropped.get(); }

    @Override
    public String toString() { return "ARI listener " + name; }
}
