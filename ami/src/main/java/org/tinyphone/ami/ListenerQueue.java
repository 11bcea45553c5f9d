package org.tinyphone.ami;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener with its own bounded queue and virtual thread, so a slow listener cannot stall the connection or
 * the other listeners for long.
 *
 * <p>Back-pressure, so that a listener that keeps up on average never loses events in a burst: when the queue is
 * ¾ full, {@link #offer} waits (on {@link #room}, signalled by the listener after each take) until the listener
 * has taken one, for at most {@code patience} without progress. Waiting parks the producer (the AMI reader), which
 * lets the listener's virtual thread run even on a single carrier, and the burst stays in the TCP buffers (Asterisk
 * is slowed down instead of us losing events). A listener that takes nothing for {@code patience} is considered
 * stuck: the producer stops waiting for it (until it takes something again), the last ¼ of the queue fills, and
 * then events for that listener alone are dropped, with a warning and {@link #dropped()} counting them. The
 * producer never waits for a listener that is itself waiting for an AMI response ({@link #enterCall()}), nor for
 * itself.
 */
final class ListenerQueue<T> implements AmiSubscription {
    private static final Logger log = LoggerFactory.getLogger(ListenerQueue.class);
    private static final Object STOP = new Object();
    private static final ThreadLocal<ListenerQueue<?>> CURRENT = new ThreadLocal<>();
    static final Duration DEFAULT_PATIENCE = Duration.ofMillis(50);

    private final String name;
    private final Predicate<? super T> filter;
    private final Consumer<? super T> consumer;
    private final BlockingQueue<Object> queue;
    private final int capacity;
    private final int highWater;
    private final long patienceNanos;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedTotal;
    private final Runnable onClose;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private volatile int waiters;        // producers waiting on room; changed under lock
    private volatile long taken;         // written by the listener thread only
    private volatile long stuckAt = -1;  // value of taken when a wait ran out: do not wait again until it changes
    private volatile int inCall;         // > 0 while the listener thread waits for an AMI response
    private volatile boolean closed;
    private volatile boolean warnedBehind;
    private final Thread thread;

    ListenerQueue(String name, Predicate<? super T> filter, Consumer<? super T> consumer, int capacity, Runnable onClose) {
        this(name, filter, consumer, capacity, DEFAULT_PATIENCE, null, onClose);
    }

    /**
     * @param patience     longest wait for a listener that takes nothing while its queue is ¾ full (zero: never wait)
     * @param droppedTotal also counts this listener's drops (the connection's total), or null
     */
    ListenerQueue(String name, Predicate<? super T> filter, Consumer<? super T> consumer, int capacity, Duration patience,
                  AtomicLong droppedTotal, Runnable onClose) {
        this.name = name;
        this.filter = filter;
        this.consumer = consumer;
        this.capacity = capacity;
        this.highWater = Math.max(1, capacity - capacity / 4);
        this.patienceNanos = Math.max(0, patience.toNanos());
        this.droppedTotal = droppedTotal;
        this.queue = new ArrayBlockingQueue<>(capacity + 1);   // + 1: room for STOP
        this.onClose = onClose;
        this.thread = Thread.ofVirtual().name("ami-listener-" + name).start(this::run);
    }

    /** Called by the reader: waits (bounded) while the queue is ¾ full, drops only for a stuck listener. */
    void offer(T item) {
        if (closed) return;
        try {
            if (filter != null && !filter.test(item)) return;
        } catch (RuntimeException e) {
            log.warn("AMI listener {}: its filter threw {}; item skipped", name, e.toString());
            return;
        }
        if (queue.size() >= highWater) awaitRoom();
        if (closed) return;
        if (queue.size() >= capacity || !queue.offer(item)) {
            long d = dropped.incrementAndGet();
            if (droppedTotal != null) droppedTotal.incrementAndGet();
            if (d == 1 || d % 1000 == 0) {
                log.warn("AMI listener {} is stuck: took nothing for {} ms with its queue of {} full; {} event(s) dropped for it so far "
                        + "(the connection and other listeners go on)", name, TimeUnit.NANOSECONDS.toMillis(patienceNanos), capacity, d);
            }
            return;
        }
        if (!warnedBehind && queue.size() > capacity / 2) {
            warnedBehind = true;
            log.warn("AMI listener {} is falling behind: {} of {} queue slots used", name, queue.size(), capacity);
        }
    }

    /** Waits until the listener has made room below the high-water mark, or it looks stuck, or it is in a call. */
    private void awaitRoom() {
        if (patienceNanos == 0 || Thread.currentThread() == thread || inCall > 0) return;
        long seen = taken;
        if (seen == stuckAt) return;          // gave up on it already; wait again once it takes something
        lock.lock();
        try {
            waiters++;
            long left = patienceNanos;
            while (queue.size() >= highWater && !closed && inCall == 0) {
                if (left <= 0) {
                    if (taken == seen) {
                        stuckAt = seen;
                        log.debug("AMI listener {} took nothing for {} ms with {} of {} queued: not waiting for it until it does",
                                name, TimeUnit.NANOSECONDS.toMillis(patienceNanos), queue.size(), capacity);
                    }
                    return;
                }
                left = room.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiters--;
            lock.unlock();
        }
    }

    private void signalRoom() {
        lock.lock();
        try {
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @SuppressWarnings("unchecked")
    private void run() {
        CURRENT.set(this);
        CarrierShare share = new CarrierShare();
        try {
            while (true) {
                share.between();   // a long backlog would otherwise hold a single carrier until it is worked off
                Object o = queue.poll();
                if (o == null) {
                    o = queue.take();
                    share.blocked();
                }
                taken = taken + 1;
                if (waiters > 0 && queue.size() < highWater) signalRoom();
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

    /**
     * Marks the calling listener thread (if it is one) as waiting for an AMI response, so the reader does not wait
     * for it (the response it waits for may be behind the events). Returns the queue to pass to {@link #exitCall}.
     */
    static ListenerQueue<?> enterCall() {
        ListenerQueue<?> q = CURRENT.get();
        if (q != null) {
            q.inCall++;                       // only its own thread changes it
            if (q.waiters > 0) q.signalRoom();
        }
        return q;
    }

    static void exitCall(ListenerQueue<?> q) {
        if (q != null) q.inCall--;
    }

    /** Items waiting for the listener. */
    int backlog() { return queue.size(); }

    @Override
    public long dropped() { return dropped.get(); }

    /** Lets queued items be delivered, then ends the thread. */
    void stopAfterQueued() {
        closed = true;
        queue.offer(STOP);
        signalRoom();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        queue.clear();
        queue.offer(STOP);
        signalRoom();
        onClose.run();
    }

    @Override
    public String toString() { return "listener " + name; }
}
