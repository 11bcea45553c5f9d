package org.tinyphone.ami;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * The actions sent on one session that wait for their response, by ActionID, and the rules that complete them:
 * a response completes its action, unless it says {@code EventList: start}; then the events with that ActionID
 * are collected up to {@code EventList: Complete} (or {@code Cancelled}) and complete it together. The action's
 * own timeout fails it; the end of the session fails every one at once. Futures are completed on the
 * connection's completer, never on the reader's thread. No I/O here.
 */
final class PendingActions {
    private static final Logger log = LoggerFactory.getLogger(ManagerConnection.class);   // the logger users configure
    /** One timer thread for the action and originate timeouts of every connection. */
    static final ScheduledExecutorService TIMER;

    static {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "ami-timeouts");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        TIMER = t;
    }

    private final Map<String, Pending> waiting = new ConcurrentHashMap<>();
    private final String where;
    private final Executor completer;
    private volatile boolean loggedOff;

    PendingActions(String where, Executor completer) {
        this.where = where;
        this.completer = completer;
    }

    /**
     * Waits for the response to the action sent with ActionID {@code id}, failing {@code f} after {@code timeout}.
     * Null if that ActionID is already waiting (nothing registered, the caller fails its future).
     */
    Pending add(String id, String name, CompletableFuture<AmiResponse> f, Duration timeout) {
        Pending p = new Pending(id, name, f);
        if (waiting.putIfAbsent(id, p) != null) return null;
        p.timer = TIMER.schedule(() -> {
            if (waiting.remove(id, p)) {
                completer.execute(() -> f.completeExceptionally(new AmiException.Timeout("no response from " + where
                        + " to Action: " + name + " (ActionID " + id + ") within " + timeout.toMillis() + " ms")));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return p;
    }

    /** Takes back an action that was not sent after all: true if it still waited (its future is then the caller's). */
    boolean withdraw(Pending p) {
        if (!waiting.remove(p.id, p)) return false;
        p.cancelTimer();
        return true;
    }

    /** A response from Asterisk: completes its action, or starts collecting its event list. */
    void onResponse(AmiMessage m) {
        String id = m.actionId();
        Pending p = id == null ? null : waiting.get(id);
        if (p == null) {
            log.debug("AMI response with no waiting action (ActionID {}): {}", id, m.get("Message"));
            return;
        }
        if (m.is("EventList", "start")) {
            p.response = m;
            return;
        }
        complete(p, new AmiResponse(m, List.of()));
    }

    /** An event: true if it is part of an event list being collected (then it goes to no listener). */
    boolean collect(AmiMessage event) {
        String id = event.actionId();
        if (id == null) return false;
        Pending p = waiting.get(id);
        if (p == null || p.response == null) return false;
        p.events.add(event);
        if (event.is("EventList", "Complete") || event.is("EventList", "Cancelled")) {
            complete(p, new AmiResponse(p.response, p.events));
        }
        return true;
    }

    private void complete(Pending p, AmiResponse r) {
        if (!waiting.remove(p.id, p)) return;
        p.cancelTimer();
        if (p.name.equalsIgnoreCase("Logoff")) loggedOff = true;
        completer.execute(() -> p.future.complete(r));
    }

    /** The session ended: every action still waiting fails now with {@link AmiException.ConnectionLost}. */
    void failAll(String reason) {
        for (Pending p : new ArrayList<>(waiting.values())) {
            if (waiting.remove(p.id, p)) {
                p.cancelTimer();
                String msg = "AMI connection to " + where + " lost (" + reason + ") before the response to Action: "
                        + p.name + " (ActionID " + p.id + ")";
                completer.execute(() -> p.future.completeExceptionally(new AmiException.ConnectionLost(msg)));
            }
        }
    }

    /** Asterisk answered a {@code Logoff}. */
    boolean loggedOff() { return loggedOff; }

    /** One action waiting: its response and list events so far (written by the reader only). */
    static final class Pending {
        final String id;
        final String name;
        final CompletableFuture<AmiResponse> future;
        final List<AmiMessage> events = new ArrayList<>();
        volatile AmiMessage response;
        volatile ScheduledFuture<?> timer;   // null for the moment between add's put and its schedule

        Pending(String id, String name, CompletableFuture<AmiResponse> future) {
            this.id = id;
            this.name = name;
            this.future = future;
        }

        void cancelTimer() {
            ScheduledFuture<?> t = timer;
            if (t != null) t.cancel(false);
        }
    }
}
