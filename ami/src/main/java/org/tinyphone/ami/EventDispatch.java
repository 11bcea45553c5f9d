package org.tinyphone.ami;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * Where what a connection hears goes. {@link #dispatch} runs on the reader's thread for every event that is not
 * part of an event list: an {@code OriginateResponse} completes its originate, internal listeners (AsyncAGI,
 * {@link ChannelTracker}) see it at once, and each application listener gets it on its own {@link ListenerQueue}.
 * State changes go to the state listeners; the end of a session fails the originates sent on it and runs the
 * loss hooks.
 */
final class EventDispatch {
    private static final Logger log = LoggerFactory.getLogger(ManagerConnection.class);   // the logger users configure

    private final String where;
    private final List<ListenerQueue<AmiMessage>> listeners = new CopyOnWriteArrayList<>();
    private final List<ListenerQueue<ConnectionState>> stateListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<AmiMessage>> internalListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> lossHooks = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<OriginateResult>> originates = new ConcurrentHashMap<>();
    private final Map<String, Session> originateSessions = new ConcurrentHashMap<>();
    private final AtomicLong droppedEvents = new AtomicLong();

    EventDispatch(String where) {
        this.where = where;
    }

    /** On the reader's thread: must not block beyond a listener queue's bounded wait. */
    void dispatch(AmiMessage m) {
        if (m.isEvent("OriginateResponse")) {
            String id = m.actionId();
            CompletableFuture<OriginateResult> f = id == null ? null : originates.get(id);
            if (f != null) f.complete(OriginateResult.of(m));
        }
        for (Consumer<AmiMessage> l : internalListeners) {
            try {
                l.accept(m);
            } catch (RuntimeException e) {
                log.warn("AMI internal listener failed on {}", m.eventName(), e);
            }
        }
        for (ListenerQueue<AmiMessage> l : listeners) l.offer(m);
    }

    /** True if any listener has events queued (the reader then lets it have the carrier). */
    boolean backlog() {
        for (ListenerQueue<AmiMessage> l : listeners) {
            if (l.backlog() > 0) return true;
        }
        return false;
    }

    AmiSubscription addListener(String name, Predicate<AmiMessage> filter, Consumer<AmiMessage> listener, int capacity,
                             Duration patience) {
        if (capacity < 1) throw new IllegalArgumentException("queue capacity must be positive");
        AtomicReference<ListenerQueue<AmiMessage>> self = new AtomicReference<>();
        self.set(new ListenerQueue<>(name + "#" + listeners.size(), filter, listener, capacity, patience, droppedEvents,
                () -> listeners.remove(self.get())));
        listeners.add(self.get());
        return self.get();
    }

    AmiSubscription onState(Consumer<ConnectionState> listener) {
        AtomicReference<ListenerQueue<ConnectionState>> self = new AtomicReference<>();
        self.set(new ListenerQueue<>("state#" + stateListeners.size(), null, listener, 1024, () -> stateListeners.remove(self.get())));
        stateListeners.add(self.get());
        return self.get();
    }

    void stateChanged(ConnectionState s) {
        for (ListenerQueue<ConnectionState> l : stateListeners) l.offer(s);
    }

    void addInternalListener(Consumer<AmiMessage> l) { internalListeners.add(l); }

    void removeInternalListener(Consumer<AmiMessage> l) { internalListeners.remove(l); }

    void addLossHook(Consumer<String> hook) { lossHooks.add(hook); }

    long droppedEvents() { return droppedEvents.get(); }

    /** Completes {@code f} with the OriginateResponse carrying this ActionID, or fails it if {@code s} ends first. */
    void expectOriginate(String id, Session s, CompletableFuture<OriginateResult> f) {
        originates.put(id, f);
        originateSessions.put(id, s);
        f.whenComplete((r, e) -> {
            originates.remove(id, f);
            originateSessions.remove(id);
        });
    }

    /** A session ended (null: one that ended while it was opened): its originates fail, the loss hooks are told. */
    void sessionEnded(Session s, String reason) {
        originateSessions.forEach((id, os) -> {
            CompletableFuture<OriginateResult> f = os == s ? originates.get(id) : null;
            if (f != null) {
                f.completeExceptionally(new AmiException.ConnectionLost("AMI connection to " + where + " lost (" + reason
                        + ") before the OriginateResponse for ActionID " + id + "; the call may still have been placed"));
            }
        });
        for (Consumer<String> h : lossHooks) {
            try {
                h.accept(reason);
            } catch (RuntimeException e) {
                log.warn("AMI loss hook failed", e);
            }
        }
    }

    /** The connection closed: originates still waiting fail, listeners get what is queued, then stop. */
    void close() {
        for (CompletableFuture<OriginateResult> f : originates.values()) {
            f.completeExceptionally(new AmiException.ConnectionLost("connection to " + where + " closed before OriginateResponse"));
        }
        for (ListenerQueue<AmiMessage> l : listeners) l.stopAfterQueued();
        for (ListenerQueue<ConnectionState> l : stateListeners) l.stopAfterQueued();
    }
}
