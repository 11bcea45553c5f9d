package org.tinyphone.server.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayDeque;
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
 * The hub: ingresses {@link #open} calls, subscribers watch dialed numbers. Each subscriber sees a number's
 * events in the order they happened, and a snapshot taken on subscribe never overlaps or misses the events that
 * follow it. A subscriber of a number and of all numbers gets each event once.
 *
 * <p>A number with few subscribers gets each event delivered by the thread that emits it, under the number's lock.
 * A number with more than {@link #INLINE_FANOUT} gets it from a delivery thread of its own, in the same order,
 * so that the emitting thread (a call's AGI loop, between whose commands Asterisk drops DTMF) never waits for
 * a thousand clients to be written.
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
        final ArrayDeque<Delivery> pending = new ArrayDeque<>(); // guarded by lock: for the delivery thread
        boolean delivering; // guarded by lock: the delivery thread is at work (pending, or delivering one taken)

        Room(String number) { this.number = number; }
    }

    /** One event and who is to get it (the subscribers at the moment it happened). */
    private record Delivery(CallEvent event, Subscriber[] to) {}

    /** Events for more subscribers than this go through the number's delivery thread. */
    static final int INLINE_FANOUT = 32;

    private final MeterRegistry registry;
    private final TalkbackPolicy talkback;
    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Call> calls = new ConcurrentHashMap<>();
    private final List<Subscriber> allNumbers = new CopyOnWriteArrayList<>(); // modified under the write lock
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
            emit(call, new CallEvent.NewCaller(unique, unique.started()));
        } finally {
            room.lock.unlock();
            roomsLock.readLock().unlock();
        }
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
                if (!allNumbers.contains(subscriber)) allNumbers.add(subscriber);
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
            Room room = rooms.computeIfAbsent(number, Room::new);
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
        roomsLock.readLock().lock();
        room.lock.lock();
        try {
            if (!call.applyLocked(event)) return false;
            switch (event) {
                case CallEvent.NewCaller n -> room.calls.put(call.id(), call);
                case CallEvent.Hangup h -> {
                    room.calls.remove(call.id());
                    calls.remove(call.id(), call);
                    active.decrementAndGet();
                }
                default -> { }
            }
            deliverLocked(room, event);
            if (event instanceof CallEvent.Hangup) removeIfEmptyLocked(room);
            return true;
        } finally {
            room.lock.unlock();
            roomsLock.readLock().unlock();
        }
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
        roomsLock.readLock().lock();
        Room room = lockedRoom(n);
        try {
            deliverLocked(room, sms);
            removeIfEmptyLocked(room);
        } finally {
            room.lock.unlock();
            roomsLock.readLock().unlock();
        }
        if (log.isInfoEnabled()) { // the sender's number and the text came from outside; the text itself is not logged
            log.info("sms {} from {} to {} ({} characters)", sms.callId(), LogText.escape(sender), LogText.escape(n),
                    sms.body().length());
        }
        return sms;
    }

    /** Hands an event to the room's subscribers and those of every number (the caller holds the room's lock). */
    private void deliverLocked(Room room, CallEvent event) {
        eventCounter(event.type()).increment();
        if (!room.delivering && room.subscribers.size() + allNumbers.size() <= INLINE_FANOUT) {
            for (Subscriber s : room.subscribers) deliver(s, event);
            // a subscriber of both this number and all numbers gets each event once
            for (Subscriber s : allNumbers) if (!room.subscriberSet.contains(s)) deliver(s, event);
        } else {
            List<Subscriber> to = new ArrayList<>(room.subscribers);
            for (Subscriber s : allNumbers) if (!room.subscriberSet.contains(s)) to.add(s);
            room.pending.add(new Delivery(event, to.toArray(Subscriber[]::new)));
            if (!room.delivering) {
                room.delivering = true;
                Thread.ofVirtual().name("tinyphone-deliver-" + room.number).start(() -> deliverPending(room));
            }
        }
    }

    /** The delivery thread of a number: delivers its pending events in order, then ends until the next ones. */
    private void deliverPending(Room room) {
        while (true) {
            Delivery d;
            room.lock.lock();
            try {
                d = room.pending.poll();
                if (d == null) {
                    room.delivering = false; // the next event is delivered inline again, or starts a new thread
                    return;
                }
            } finally {
                room.lock.unlock();
            }
            for (Subscriber s : d.to()) {
                // one that unsubscribed since the event happened does not get it
                if (room.subscriberSet.contains(s) || allNumbers.contains(s)) deliver(s, d.event());
            }
        }
    }

    private static void deliver(Subscriber s, CallEvent event) {
        try {
            s.onEvent(event);
        } catch (RuntimeException e) {
            log.warn("subscriber {} failed on {}: {}", s, event.type(), e.toString());
        }
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
