package org.tinyphone.server.bridge;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's fan-out policy, all of it: which subscribers get an event, in what order, on which thread, and what a
 * slow one costs. One per number (a {@code Bridge.Room}).
 * <ul>
 *   <li><b>Who</b>: the number's subscribers, then those of every number that are not also the number's (each gets
 *       an event once), as they were when the event happened: one that subscribes later has the call in its
 *       snapshot, one that unsubscribed before the delivery does not get it.</li>
 *   <li><b>Order</b>: a number's events (its calls' and its text messages) reach every subscriber in the order they
 *       happened. The bridge appends each to the number's queue under the room lock ({@link #enqueueLocked}); one
 *       thread at a time delivers the queue ({@link #deliver}), always after the room lock is released.</li>
 *   <li><b>Which thread</b>: the thread that emitted the event (a call's AGI loop, an AudioSocket reader) delivers
 *       it when it found no delivery running and the event goes to at most {@value #INLINE_FANOUT} subscribers,
 *       for at most {@value #INLINE_BATCH} events; beyond that the number's delivery virtual thread takes over, so a
 *       call never waits for a thousand clients (Asterisk drops DTMF between AGI commands).</li>
 *   <li><b>A slow subscriber</b> costs nothing here: {@link Subscriber#onEvent} must not block. A client session
 *       queues in its bounded {@code clients.Outbox}, which coalesces audio levels and disconnects a client that
 *       falls too far behind. A subscriber that throws is logged; the others still get the event.</li>
 * </ul>
 */
final class FanOut {
    private static final Logger log = LoggerFactory.getLogger(FanOut.class);
    private static final Subscriber[] NONE = new Subscriber[0];
    /** Events for more subscribers than this go through the number's delivery thread. */
    static final int INLINE_FANOUT = 32;
    /** Events an emitting thread delivers in a row before it hands the rest to the delivery thread. */
    static final int INLINE_BATCH = 16;

    /** One event and who is to get it. */
    private record Delivery(CallEvent event, Subscriber[] to) {}

    private final String number;
    /*
     * Lock order (docs/design.md, "Lock order"): roomsLock -> this room lock -> a client's outbox lock (snapshots
     * only). The lock guards the queue; drain takes it only to take the next delivery, and calls subscribers after
     * releasing it, so no client code or I/O ever runs inside it.
     */
    private final ReentrantLock lock; // the room's lock
    private final Predicate<Subscriber> subscribed;
    private final ArrayDeque<Delivery> pending = new ArrayDeque<>(); // guarded by lock
    private boolean delivering; // guarded by lock: a thread is delivering (pending, or one taken)

    /**
     * @param lock       the room's lock, which guards the queue
     * @param subscribed whether a subscriber still watches the number (or every number) at delivery time
     */
    FanOut(String number, ReentrantLock lock, Predicate<Subscriber> subscribed) {
        this.number = number;
        this.lock = lock;
        this.subscribed = subscribed;
    }

    /** Who gets an event of a number now: its subscribers, then those of every number that are not also its own. */
    static Subscriber[] recipients(List<Subscriber> ofNumber, Set<Subscriber> ofNumberSet, List<Subscriber> ofAll) {
        if (ofAll.isEmpty()) return ofNumber.toArray(NONE);
        Subscriber[] own = ofNumber.toArray(NONE);
        Subscriber[] to = new Subscriber[own.length + ofAll.size()];
        System.arraycopy(own, 0, to, 0, own.length);
        int n = own.length;
        for (Subscriber s : ofAll) if (!ofNumberSet.contains(s)) to[n++] = s;
        return n == to.length ? to : java.util.Arrays.copyOf(to, n);
    }

    /**
     * Appends an event for {@code to} (the caller holds the room lock). True when the caller is to call
     * {@link #deliver} once it has released the lock: no other thread is delivering the number's events.
     */
    boolean enqueueLocked(CallEvent event, Subscriber[] to) {
        if (to.length == 0) return false; // nobody to tell: nothing to keep in order either
        pending.add(new Delivery(event, to));
        if (delivering) return false;
        delivering = true;
        return true;
    }

    /** Delivers the queue on this thread (never holding the room lock) as far as the policy allows, then hands off. */
    void deliver() {
        drain(true);
    }

    private void drain(boolean emitter) {
        int delivered = 0;
        while (true) {
            Delivery d;
            lock.lock();
            try {
                d = pending.peek();
                if (d == null) {
                    delivering = false; // the next event's emitter delivers again
                    return;
                }
                if (emitter && (d.to().length > INLINE_FANOUT || delivered >= INLINE_BATCH)) {
                    Thread.ofVirtual().name("tinyphone-deliver-" + number).start(() -> drain(false));
                    return; // still delivering: the delivery thread goes on in order
                }
                pending.poll();
            } finally {
                lock.unlock();
            }
            for (Subscriber s : d.to()) {
                if (subscribed.test(s)) deliver(s, d.event());
            }
            delivered++;
        }
    }

    private static void deliver(Subscriber s, CallEvent event) {
        try {
            s.onEvent(event);
        } catch (RuntimeException e) {
            log.warn("subscriber {} failed on {}: {}", s, event.type(), e.toString());
        }
    }
}
