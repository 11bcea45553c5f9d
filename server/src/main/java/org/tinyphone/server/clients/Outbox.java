package org.tinyphone.server.clients;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.tinyphone.server.bridge.CallEvent;

/**
 * One client's bounded outgoing queue (no I/O). Offers never block. An audio level whose call's latest queued
 * message is also an audio level replaces it (latest wins), so a client that falls behind gets fewer levels,
 * in order with the other events of the call (a level that finds the queue twice over its size is dropped).
 * Every other message is kept; when it would not fit, or when the
 * writer has made no progress for the overload timeout while messages wait, the offer says
 * {@link Offer#OVERLOADED} and the client is to be disconnected: nothing is dropped silently.
 */
final class Outbox {
    enum Offer { QUEUED, COALESCED, DROPPED, OVERLOADED, CLOSED }

    private static final class Item {
        Object payload;
        final String callId;
        final boolean level;

        Item(Object payload, String callId, boolean level) {
            this.payload = payload;
            this.callId = callId;
            this.level = level;
        }
    }

    private final int capacity;
    private final long overloadNanos;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private final Map<String, Item> lastOfCall = new HashMap<>();
    private boolean closed;
    private boolean writerBusy;
    private boolean directInFlight; // a message sent by tryDirect whose write has not finished yet
    private long lastProgress;
    private String overloadReason;

    Outbox(int capacity, Duration overloadTimeout) {
        this(capacity, overloadTimeout, System::nanoTime);
    }

    Outbox(int capacity, Duration overloadTimeout, LongSupplier clock) {
        this.capacity = capacity;
        this.overloadNanos = overloadTimeout.toNanos();
        this.clock = clock;
        this.lastProgress = clock.getAsLong();
    }

    /** Queues a call event (audio levels may be coalesced). */
    Offer offerEvent(CallEvent event) {
        return offer(event, event.callId(), event instanceof CallEvent.AudioLevel);
    }

    /** Queues a message that must never be coalesced (replies, snapshots). */
    Offer offerControl(Object message) {
        return offer(message, null, false);
    }

    private Offer offer(Object payload, String callId, boolean level) {
        lock.lock();
        try {
            if (closed) return Offer.CLOSED;
            if (overloadReason != null) return Offer.OVERLOADED;
            long now = clock.getAsLong();
            if (writerBusy && !queue.isEmpty() && now - lastProgress > overloadNanos) {
                overloadReason = "too slow: no message taken for " + TimeUnit.NANOSECONDS.toSeconds(now - lastProgress)
                        + " s with " + queue.size() + " waiting";
                return Offer.OVERLOADED;
            }
            if (level && callId != null) {
                Item last = lastOfCall.get(callId);
                if (last != null && last.level) {
                    last.payload = payload;
                    return Offer.COALESCED;
                }
                if (queue.size() >= 2 * capacity) return Offer.DROPPED; // a level with nowhere to go: the next one will do
            } else if (queue.size() >= capacity) {
                overloadReason = "too slow: " + queue.size() + " messages waiting (clients.queue = " + capacity + ")";
                return Offer.OVERLOADED;
            }
            Item item = new Item(payload, callId, level);
            queue.addLast(item);
            if (callId != null) lastOfCall.put(callId, item);
            if (queue.size() == 1) notEmpty.signal();
            return Offer.QUEUED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends one message past the queue when that cannot reorder or pile up anything: nothing is queued, the writer
     * is idle and the last direct send has finished. Then {@code send} runs at once, under the outbox's lock (so no
     * message queued meanwhile can be written before it), and must not block; {@link #directDone} is to be called
     * when its write ends. False when the message must be queued instead.
     */
    boolean tryDirect(Runnable send) {
        lock.lock();
        try {
            if (closed || overloadReason != null || writerBusy || directInFlight || !queue.isEmpty()) return false;
            directInFlight = true;
            send.run();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The write of the last {@link #tryDirect} message ended (written, or failed: the session ends then). */
    void directDone() {
        lock.lock();
        try {
            directInFlight = false;
            lastProgress = clock.getAsLong();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes up to {@code max} messages, waiting up to {@code wait} for the first (null: as long as it takes; the
     * writer waits so, as a timed wait costs a timer set and cancelled per message). Empty when none came;
     * null when the outbox is closed and drained.
     */
    List<Object> take(int max, Duration wait) throws InterruptedException {
        lock.lock();
        try {
            long nanos = wait == null ? Long.MAX_VALUE : wait.toNanos();
            while (queue.isEmpty()) {
                if (closed) return null;
                writerBusy = false;
                if (nanos <= 0) return List.of();
                if (wait == null) notEmpty.await();
                else nanos = notEmpty.awaitNanos(nanos);
            }
            List<Object> out = new ArrayList<>(Math.min(max, queue.size()));
            while (out.size() < max && !queue.isEmpty()) {
                Item item = queue.pollFirst();
                if (item.callId != null && lastOfCall.get(item.callId) == item) lastOfCall.remove(item.callId);
                out.add(item.payload);
            }
            writerBusy = true;
            lastProgress = clock.getAsLong();
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** The writer finished writing what it took. */
    void progress() {
        lock.lock();
        try {
            lastProgress = clock.getAsLong();
        } finally {
            lock.unlock();
        }
    }

    /** No more offers; {@link #take} drains what is queued, then returns null. */
    void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes and forgets everything queued; returns what was discarded. */
    List<Object> abort() {
        lock.lock();
        try {
            closed = true;
            List<Object> dropped = new ArrayList<>(queue.size());
            for (Item i : queue) dropped.add(i.payload);
            queue.clear();
            lastOfCall.clear();
            notEmpty.signalAll();
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /** How long the writer has had nothing to do (0 while messages wait or once closed). */
    long idleNanos() {
        lock.lock();
        try {
            return closed || !queue.isEmpty() ? 0 : clock.getAsLong() - lastProgress;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Why the client was found overloaded, or null. */
    String overloadReason() {
        lock.lock();
        try {
            return overloadReason;
        } finally {
            lock.unlock();
        }
    }
}
