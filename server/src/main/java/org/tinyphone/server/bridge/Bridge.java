package org.tinyphone.server.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;

/**
 * The router between calls and subscribers: ingresses {@link #open} calls, subscribers watch dialed numbers. Each subscriber sees a number's
 * events in the order they happened, and a snapshot taken on subscribe never overlaps or misses the events that
 * follow it. A subscriber of a number and of all numbers gets each event once.
 *
 * <p>Who gets an event, in what order and on which thread is {@link FanOut}'s policy; the bridge records the event
 * under the number's lock and hands it to the number's fan-out, which delivers it after the lock is released.
 *
 * <p>Lock order (docs/design.md, "Lock order"): {@code roomsLock} (read: one number; write: every number) → a room's
 * {@code lock} → a subscriber's own lock (a client's outbox, taken by {@link Subscriber#onSnapshot} under the room
 * lock). Never the reverse, and no I/O under any of them: events reach subscribers with no bridge lock held.
 */
public final class Bridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Bridge.class);
    /** Subscribe to this "number" to watch every number. */
    public static final String ALL_NUMBERS = "*";

    /** Calls and subscribers of one dialed number. */
    static final class Room {
        final String number;
        final ReentrantLock lock = new ReentrantLock();
        final Map<String, Call> calls = new LinkedHashMap<>();          // guarded by lock
        final List<Subscriber> subscribers = new CopyOnWriteArrayList<>(); // modified under lock
        final Set<Subscriber> subscriberSet = ConcurrentHashMap.newKeySet(); // the same, for lookups
        boolean dead; // guarded by lock: removed from the map once it had no calls and no subscribers
        final FanOut fanOut;

        Room(String number, Set<Subscriber> allNumbers) {
            this.number = number;
            this.fanOut = new FanOut(number, lock, s -> subscriberSet.contains(s) || allNumbers.contains(s));
        }
    }

    private final MeterRegistry registry;
    private final TalkbackPolicy talkback;
    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Call> calls = new ConcurrentHashMap<>();
    private final List<Subscriber> allNumbers = new CopyOnWriteArrayList<>(); // modified under the write lock
    private final Set<Subscriber> allNumbersSet = ConcurrentHashMap.newKeySet(); // the same, for lookups
    /** Read: one number's traffic (with its room lock). Write: subscribing to all numbers at once. */
    private final ReentrantReadWriteLock roomsLock = new ReentrantReadWriteLock();
    private final AtomicInteger active = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong smsIds = new java.util.concurrent.atomic.AtomicLong();
    private final Counter callsTotal;
    private final Map<String, Counter> eventCounters = new ConcurrentHashMap<>();

    /** A bridge with the default talk-back policy and its own meter registry. */
    public Bridge() {
        this(new SimpleMeterRegistry(), TalkbackPolicy.DEFAULT);
    }

    /**
     * @param registry where the bridge's meters go
     * @param talkback what apps' commands may ask of a call; every command passes it in {@link Call#submit}
     */
    public Bridge(MeterRegistry registry, TalkbackPolicy talkback) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.talkback = Objects.requireNonNull(talkback, "talkback");
        this.callsTotal = Counter.builder("tinyphone.calls").description("Calls opened").register(registry);
        Gauge.builder("tinyphone.calls.active", active, AtomicInteger::get).description("Calls in progress").register(registry);
        for (String type : List.of("new_caller", "keypress", "audio_level", "hangup", "sms")) eventCounter(type);
    }

    public MeterRegistry registry() { return registry; }

    /** What apps' commands may ask of a call. */
    public TalkbackPolicy talkback() { return talkback; }

    /**
     * A call arrived: emits {@code new_caller} to the number's subscribers. If another call in progress
     * already has the same id, this one gets a suffix ("-2", "-3" …) so ids stay unique.
     *
     * @param control how to run commands on the call, or null when the ingress has no command channel
     */
    public Call open(CallInfo info, CallControl control) {
        Objects.requireNonNull(info, "info");
        Call call;
        boolean deliver;
        roomsLock.readLock().lock();
        Room room = lockedRoom(info.dnid());
        try {
            CallInfo unique = info;
            call = new Call(this, room, unique, control);
            for (int n = 2; calls.putIfAbsent(call.id(), call) != null; n++) {
                unique = info.withCallId(info.callId() + "-" + n);
                call = new Call(this, room, unique, control);
            }
            callsTotal.increment();
            active.incrementAndGet();
            deliver = recordLocked(room, call, new CallEvent.NewCaller(unique, unique.started())) == Recorded.DELIVER;
        } finally {
            room.lock.unlock();
            roomsLock.readLock().unlock();
        }
        if (deliver) room.fanOut.deliver();
        if (log.isInfoEnabled()) { // every part came from outside (Asterisk's channel, the caller's network)
            log.info("call {} from {} to {} via {}", LogText.escape(call.id()), known(call.info().callerId(), "caller id"),
                    known(call.number(), "dialed number"), LogText.escape(call.info().via()));
        }
        return call;
    }

    /**
     * A value for the log, or what is missing when Asterisk did not know it ("unknown", as in agi_callerid, or empty,
     * as on an AudioSocket call without the FastAGI hand-off): "(caller id unknown)", never an empty gap.
     */
    private static String known(String value, String what) {
        return value.isEmpty() || value.equals("unknown") ? "(" + what + " unknown)" : LogText.escape(value);
    }

    /** A call in progress by id. */
    public Optional<Call> find(String callId) {
        return callId == null ? Optional.empty() : Optional.ofNullable(calls.get(callId));
    }

    /** All calls in progress. */
    public Collection<Call> calls() { return List.copyOf(calls.values()); }

    /** The calls in progress on a number (or on all numbers for {@code "*"}), oldest first. */
    public List<CallState> snapshot(String number) {
        number = Numbers.normalize(number);
        if (ALL_NUMBERS.equals(number)) {
            roomsLock.writeLock().lock();
            try {
                return snapshotAllLocked();
            } finally {
                roomsLock.writeLock().unlock();
            }
        }
        Room room = rooms.get(number);
        if (room == null) return List.of();
        room.lock.lock();
        try {
            return room.dead ? List.of() : snapshotLocked(room);
        } finally {
            room.lock.unlock();
        }
    }

    /**
     * Subscribes to a number ({@code "*"} for all numbers). The subscriber first gets
     * {@link Subscriber#onSnapshot} with the calls in progress, then every later event. Numbers are compared in
     * their {@link Numbers#normalize normal form}. Who may subscribe is the client layer's
     * {@code AccessPolicy}, checked before calling this.
     */
    public Subscription subscribe(String number, Subscriber subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        number = Numbers.normalize(number);
        if (number.isEmpty()) throw new IllegalArgumentException("number is missing");
        if (ALL_NUMBERS.equals(number)) {
            roomsLock.writeLock().lock();
            try {
                safeSnapshot(subscriber, number, snapshotAllLocked());
                if (allNumbersSet.add(subscriber)) allNumbers.add(subscriber);
            } finally {
                roomsLock.writeLock().unlock();
            }
            return new Sub(number, subscriber);
        }
        roomsLock.readLock().lock();
        Room room = lockedRoom(number);
        try {
            safeSnapshot(subscriber, number, snapshotLocked(room));
            if (room.subscriberSet.add(subscriber)) room.subscribers.add(subscriber);
        } finally {
            room.lock.unlock();
            roomsLock.readLock().unlock();
        }
        return new Sub(number, subscriber);
    }

    /** Stops delivering a number's events to a subscriber (no effect if it was not subscribed). */
    public void unsubscribe(String number, Subscriber subscriber) {
        number = Numbers.normalize(number);
        if (ALL_NUMBERS.equals(number)) {
            roomsLock.writeLock().lock();
            try {
                allNumbers.remove(subscriber);
                allNumbersSet.remove(subscriber);
            } finally {
                roomsLock.writeLock().unlock();
            }
            return;
        }
        roomsLock.readLock().lock();
        try {
            Room room = rooms.get(number);
            if (room == null) return;
            room.lock.lock();
            try {
                room.subscribers.remove(subscriber);
                room.subscriberSet.remove(subscriber);
                removeIfEmptyLocked(room);
            } finally {
                room.lock.unlock();
            }
        } finally {
            roomsLock.readLock().unlock();
        }
    }

    /** Number of subscribers of a number (not counting those of all numbers). */
    public int subscriberCount(String number) {
        Room room = rooms.get(Numbers.normalize(number));
        return room == null ? 0 : room.subscribers.size();
    }

    /** Hangs up every call in progress with cause "server stopping". */
    @Override
    public void close() {
        for (Call call : calls()) call.hangup("server stopping");
    }

    // ---- inside the package

    /** The number's room, locked (the caller holds the read lock, and unlocks the room). */
    private Room lockedRoom(String number) {
        while (true) {
            Room room = rooms.computeIfAbsent(number, n -> new Room(n, allNumbersSet));
            room.lock.lock();
            if (!room.dead) return room;
            room.lock.unlock(); // removed meanwhile: take the new one
        }
    }

    /** Forgets a room without calls and subscribers, so numbers come and go without using memory. */
    private void removeIfEmptyLocked(Room room) {
        if (!room.dead && room.calls.isEmpty() && room.subscribers.isEmpty()) {
            room.dead = true;
            rooms.remove(room.number, room);
        }
    }

    /** Numbers with calls or subscribers (for tests and metrics). */
    int roomCount() {
        return rooms.size();
    }

    /** Delivers a call's event to its subscribers; false if the call had already ended. */
    boolean emit(Call call, CallEvent event) {
        Room room = call.room();
        Recorded recorded;
        roomsLock.readLock().lock();
        room.lock.lock();
        try {
            recorded = recordLocked(room, call, event);
        } finally {
            room.lock.unlock();
            roomsLock.readLock().unlock();
        }
        if (recorded == Recorded.DELIVER) room.fanOut.deliver(); // no lock held: see FanOut
        return recorded != Recorded.ENDED;
    }

    /** What became of an event: the call had ended; queued for the number's fan-out (which this thread is to run). */
    private enum Recorded { ENDED, QUEUED, DELIVER }

    /** Applies a call's event to the call and the room and queues it for the subscribers (caller holds the room lock). */
    private Recorded recordLocked(Room room, Call call, CallEvent event) {
        if (!call.applyLocked(event)) return Recorded.ENDED;
        switch (event) {
            case CallEvent.NewCaller n -> room.calls.put(call.id(), call);
            case CallEvent.Hangup h -> {
                room.calls.remove(call.id());
                calls.remove(call.id(), call);
                active.decrementAndGet();
            }
            default -> { }
        }
        boolean deliver = enqueueLocked(room, event);
        if (event instanceof CallEvent.Hangup) removeIfEmptyLocked(room);
        return deliver ? Recorded.DELIVER : Recorded.QUEUED;
    }

    /**
     * A text message to {@code number} arrived (an SMS): delivers an {@link CallEvent.Sms} with a fresh id
     * ({@code <unix seconds>.<n>}, as the original hub made them) to the number's subscribers and those of every
     * number, in order with the number's call events, and returns it.
     *
     * @param from the sender's number (a leading '+' is removed, as the original hub did)
     * @param body the text as sent
     */
    public CallEvent.Sms sms(String number, String from, String body) {
        String n = Numbers.normalize(Objects.requireNonNull(number, "number"));
        if (n.isEmpty() || ALL_NUMBERS.equals(n)) throw new IllegalArgumentException("a text message needs the number it was sent to");
        String sender = Objects.requireNonNullElse(from, "");
        if (sender.startsWith("+")) sender = sender.substring(1);
        Instant now = Instant.now();
        CallEvent.Sms sms = new CallEvent.Sms(now.getEpochSecond() + "." + smsIds.incrementAndGet(), n, sender,
                Objects.requireNonNullElse(body, ""), now);
        boolean deliver;
        roomsLock.readLock().lock();
        Room room = lockedRoom(n);
        try {
            deliver = enqueueLocked(room, sms);
            removeIfEmptyLocked(room);
        } finally {
            room.lock.unlock();
            roomsLock.readLock().unlock();
        }
        if (deliver) room.fanOut.deliver();
        if (log.isInfoEnabled()) { // the sender's number and the text came from outside; the text itself is not logged
            log.info("sms {} from {} to {} ({} characters)", sms.callId(), LogText.escape(sender), LogText.escape(n),
                    sms.body().length());
        }
        return sms;
    }

    /** Counts an event and queues it for the room's fan-out (the caller holds the room's lock); true: run it after. */
    private boolean enqueueLocked(Room room, CallEvent event) {
        eventCounter(event.type()).increment();
        return room.fanOut.enqueueLocked(event, FanOut.recipients(room.subscribers, room.subscriberSet, allNumbers));
    }

    private static void safeSnapshot(Subscriber s, String number, List<CallState> calls) {
        try {
            s.onSnapshot(number, calls);
        } catch (RuntimeException e) {
            log.warn("subscriber {} failed on snapshot: {}", s, e.toString());
        }
    }

    private static List<CallState> snapshotLocked(Room room) {
        List<CallState> out = new ArrayList<>(room.calls.size());
        for (Call c : room.calls.values()) out.add(c.stateLocked());
        return out;
    }

    private List<CallState> snapshotAllLocked() {
        List<CallState> out = new ArrayList<>();
        for (Room room : rooms.values()) {
            room.lock.lock();
            try {
                out.addAll(snapshotLocked(room));
            } finally {
                room.lock.unlock();
            }
        }
        out.sort((a, b) -> a.info().started().compareTo(b.info().started()));
        return out;
    }

    private Counter eventCounter(String type) {
        return eventCounters.computeIfAbsent(type, t -> Counter.builder("tinyphone.events")
                .description("Call events emitted by the bridge").tag("type", t).register(registry));
    }

    private final class Sub implements Subscription {
        private final String number;
        private final Subscriber subscriber;

        Sub(String number, Subscriber subscriber) {
            this.number = number;
            this.subscriber = subscriber;
        }

        @Override public String number() { return number; }

        @Override public void close() { unsubscribe(number, subscriber); }
    }
}
