package org.tinyphone.ami;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener with its own bounded queue and virtual thread: the reader only offers (never blocks), so a
 * slow listener cannot stall the connection or the other listeners. When its queue is full, items for that
 * listener are dropped and a warning says how far behind it is.
 */
final class ListenerQueue<T> implements Subscription {
    private static final Logger log = LoggerFactory.getLogger(ListenerQueue.class);
    private static final Object STOP = new Object();

    private final String name;
    private final Predicate<? super T> filter;
    private final Consumer<? super T> consumer;
    private final BlockingQueue<Object> queue;
    private final int capacity;
    private final AtomicLong dropped = new AtomicLong();
    private final Runnable onClose;
    private volatile boolean closed;
    private volatile boolean warnedBehind;
    private final Thread thread;

    ListenerQueue(String name, Predicate<? super T> filter, Consumer<? super T> consumer, int capacity, Runnable onClose) {
        this.name = name;
        this.filter = filter;
        this.consumer = consumer;
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity + 1);
        this.onClose = onClose;
        this.thread = Thread.ofVirtual().name("ami-listener-" + name).start(this::run);
    }

    /** Called by the reader: never blocks. */
    void offer(T item) {
        if (closed) return;
        try {
            if (filter != null && !filter.test(item)) return;
        } catch (RuntimeException e) {
            log.warn("AMI listener {}: its filter threw {}; item skipped", name, e.toString());
            return;
        }
        if (queue.size() >= capacity || !queue.offer(item)) {
            long d = dropped.incrementAndGet();
            if (d == 1 || d % 1000 == 0) {
                log.warn("AMI listener {} is too slow: {} items queued, {} dropped so far (the connection and other listeners go on)",
                        name, capacity, d);
            }
            return;
        }
        if (!warnedBehind && queue.size() > capacity / 2) {
            warnedBehind = true;
            log.warn("AMI listener {} is falling behind: {} of {} queue slots used", name, queue.size(), capacity);
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
                    log.warn("AMI listener {} threw; it keeps receiving", name, e);
                }
                if (warnedBehind && queue.size() < capacity / 4) warnedBehind = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long dropped() { return dropped.get(); }

    /** Lets queued items be delivered, then ends the thread. */
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
    public String toString() { return "listener " + name; }
}
