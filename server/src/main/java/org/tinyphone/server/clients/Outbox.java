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
 * in order with the other events of the call (a level that finds {@code 2 × capacity} events waiting is dropped).
 * Every other event is kept; when {@code capacity} events wait, or when the writer has made no progress for the
 * overload timeout while messages wait, the offer says {@link Offer#OVERLOADED} and the client is to be
 * disconnected: nothing is dropped silently.
 *
 * <p>Replies to the client's own requests (and snapshots) are counted apart: they never make a client "slow".
 * They are bounded by the client itself instead: its reader waits in {@link #awaitReplyRoom} before taking the next
 * request while {@code capacity} replies wait, so a client that sends faster than it reads is slowed down by TCP,
 * not disconnected.
 *
 * <p>Frames of a call's audio (for a client that listens, {@code listen}) have a bound of their own
 * ({@code audioCapacity}): one that finds it full is {@link Offer#DROPPED}, and frames never make a client overloaded.
 * The overload timeout counts only while something other than audio waits: a client whose writer is stuck behind
 * audio it does not read loses audio, not its connection, until a call event has waited that long.
 *
 * <p>An event may skip the queue ({@link Offer#DIRECT}) when that can overtake nothing: nothing is queued, the writer
 * is idle and the last such event's write has ended. The offering thread then writes it itself through a transport
 * that can send from any thread without blocking (a WebSocket), and nothing queued later is handed to the writer until
 * it has ({@link #directHandedOver}). The outbox only decides; it never calls a transport, so its lock is never held
 * around I/O (lock order: docs/design.md, "Lock order").
 */
final class Outbox {
    enum Offer {
        QUEUED, COALESCED, DROPPED, OVERLOADED, CLOSED,
        /** Not queued: the offering thread is to write it now, then call {@link #directHandedOver}. */
        DIRECT
    }

    /** Frames of audio that may wait for one client by default (5 s of one call). */
    static final int AUDIO_CAPACITY = 250;

    private static final class Item {
        Object payload;
        final String callId;
        final boolean level;
        final boolean reply;
        final boolean audio;

        Item(Object payload, String callId, boolean level, boolean reply, boolean audio) {
            this.payload = payload;
            this.callId = callId;
            this.level = level;
            this.reply = reply;
            this.audio = audio;
        }
    }

    private final int capacity;
    private final int audioCapacity;
    private final long overloadNanos;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition replyRoom = lock.newCondition();
    private int events;  // queued items that are events (the rest are replies)
    private int replies; // queued replies
    private int audio;   // queued audio frames (counted apart from events and replies)
    private long othersSince; // when something other than audio began to wait (the overload timeout counts from it)
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private final Map<String, Item> lastOfCall = new HashMap<>();
    private boolean closed;
    private boolean writerBusy;
    private boolean directInFlight; // a DIRECT event whose write has not ended yet
    private boolean handingOver;    // a DIRECT event not yet handed to the transport: the writer waits for it
    private long lastProgress;
    private String overloadReason;

    Outbox(int capacity, Duration overloadTimeout) {
        this(capacity, overloadTimeout, System::nanoTime);
    }

    Outbox(int capacity, Duration overloadTimeout, LongSupplier clock) {
        this(capacity, AUDIO_CAPACITY, overloadTimeout, clock);
    }

    Outbox(int capacity, int audioCapacity, Duration overloadTimeout, LongSupplier clock) {
        this.capacity = capacity;
        this.audioCapacity = audioCapacity;
        this.overloadNanos = overloadTimeout.toNanos();
        this.clock = clock;
        this.lastProgress = clock.getAsLong();
    }

    /** Queues a call event (audio levels may be coalesced). */
    Offer offerEvent(CallEvent event) {
        return offerEvent(event, false);
    }

    /**
     * Queues a call event, or with {@code direct} answers {@link Offer#DIRECT} when it can overtake nothing (see the
     * class comment): then the caller writes it, calls {@link #directHandedOver} once the transport has it and
     * {@link #directDone} when its write ends.
     */
    Offer offerEvent(CallEvent event, boolean direct) {
        return offer(event, event.callId(), event instanceof CallEvent.AudioLevel, false, direct);
    }

    /** Queues a reply or snapshot: never coalesced, never counted as the client being behind. */
    Offer offerControl(Object message) {
        return offer(message, null, false, true, false);
    }

    /**
     * Queues a frame of a call's audio, or drops it ({@link Offer#DROPPED}) when {@code audioCapacity} frames wait
     * already; never {@link Offer#OVERLOADED}.
     */
    Offer offerAudio(Object frame) {
        lock.lock();
        try {
            if (closed || overloadReason != null) return Offer.CLOSED;
            if (audio >= audioCapacity) return Offer.DROPPED;
            Item item = new Item(frame, null, false, false, true);
            queue.addLast(item);
            audio++;
            if (queue.size() == 1) notEmpty.signal();
            return Offer.QUEUED;
        } finally {
            lock.unlock();
        }
    }

    private Offer offer(Object payload, String callId, boolean level, boolean reply, boolean direct) {
        lock.lock();
        try {
            if (closed) return Offer.CLOSED;
            if (overloadReason != null) return Offer.OVERLOADED;
            long now = clock.getAsLong();
            int others = queue.size() - audio;
            long stuck = now - Math.max(lastProgress, othersSince);
            if ((writerBusy || directInFlight) && others > 0 && stuck > overloadNanos) {
                overloadReason = "too slow: no message taken for " + TimeUnit.NANOSECONDS.toSeconds(stuck)
                        + " s with " + others + " waiting";
                return Offer.OVERLOADED;
            }
            if (direct && !writerBusy && !directInFlight && queue.isEmpty()) {
                directInFlight = true;
                handingOver = true;
                return Offer.DIRECT;
            }
            if (level && callId != null) {
                Item last = lastOfCall.get(callId);
                if (last != null && last.level) {
                    last.payload = payload;
                    return Offer.COALESCED;
                }
                if (events >= 2 * capacity) return Offer.DROPPED; // a level with nowhere to go: the next one will do
            } else if (!reply && events >= capacity) {
                overloadReason = "too slow: " + events + " events waiting (clients.queue = " + capacity + ")";
                return Offer.OVERLOADED;
            }
            Item item = new Item(payload, callId, level, reply, false);
            if (queue.size() == audio) othersSince = now;
            queue.addLast(item);
            if (reply) replies++;
            else events++;
            if (callId != null) lastOfCall.put(callId, item);
            if (queue.size() == 1) notEmpty.signal();
            return Offer.QUEUED;
        } finally {
            lock.unlock();
        }
    }

    /** The {@link Offer#DIRECT} event is in the transport's hands: what was queued since may go to the writer. */
    void directHandedOver() {
        lock.lock();
        try {
            handingOver = false;
            if (!queue.isEmpty()) notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The write of the last {@link Offer#DIRECT} event ended (written, or failed: the session ends then). */
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
            while (queue.isEmpty() || handingOver) {
                if (queue.isEmpty() && closed) return null;
                if (queue.isEmpty()) writerBusy = false;
                if (nanos <= 0) return List.of();
                if (wait == null) notEmpty.await();
                else nanos = notEmpty.awaitNanos(nanos);
            }
            List<Object> out = new ArrayList<>(Math.min(max, queue.size()));
            while (out.size() < max && !queue.isEmpty()) {
                Item item = queue.pollFirst();
                if (item.callId != null && lastOfCall.get(item.callId) == item) lastOfCall.remove(item.callId);
                if (item.audio) audio--;
                else if (item.reply) replies--;
                else events--;
                out.add(item.payload);
            }
            if (replies < capacity) replyRoom.signalAll();
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

    /**
     * For the client's reader, before it takes its next request: waits while {@code capacity} replies wait to be
     * written. False if they still wait after {@code max} (the client does not read what it asked for) or the
     * outbox closed.
     */
    boolean awaitReplyRoom(Duration max) throws InterruptedException {
        lock.lock();
        try {
            long nanos = max.toNanos();
            while (replies >= capacity && !closed) {
                if (nanos <= 0) {
                    if (overloadReason == null) {
                        overloadReason = "too slow: " + replies + " replies not taken for "
                                + TimeUnit.NANOSECONDS.toSeconds(max.toNanos()) + " s";
                    }
                    return false;
                }
                nanos = replyRoom.awaitNanos(nanos);
            }
            return !closed;
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
            replyRoom.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes and forgets everything queued; returns what was discarded. */
    List<Object> abort() {
        return abort(null);
    }

    /**
     * Closes and forgets everything queued but {@code last} (if not null), which the writer still takes before the
     * end (a goodbye that says why); returns what was discarded.
     */
    List<Object> abort(Object last) {
        lock.lock();
        try {
            closed = true;
            List<Object> dropped = new ArrayList<>(queue.size());
            for (Item i : queue) dropped.add(i.payload);
            queue.clear();
            lastOfCall.clear();
            events = 0;
            replies = 0;
            audio = 0;
            if (last != null) {
                queue.add(new Item(last, null, false, true, false));
                replies = 1;
            }
            notEmpty.signalAll();
            replyRoom.signalAll();
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
