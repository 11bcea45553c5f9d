package org.tinyphone.ari;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;

/**
 * The heart of a client or outbound server: decodes what a connection reads, hands each event to its call's queue
 * (never waiting: the reader must stay ready, Asterisk closes a WebSocket it cannot write to within 100 ms), starts
 * one virtual thread per channel entering Stasis, and after a (re)connect finds the calls still in Stasis.
 */
final class StasisRuntime {
    private static final Logger log = LoggerFactory.getLogger(StasisRuntime.class);

    /** What both builders configure. */
    static final class Config {
        final Map<String, StasisApp> apps = new LinkedHashMap<>();
        StasisApp fallback;
        int callQueue = 1000;
        int listenerQueue = 10_000;
        int maxMessageChars = 1 << 20;
        Duration restTimeout = Duration.ofSeconds(10);
        final List<Consumer<AriEvent>> eventListeners = new ArrayList<>();
        final List<Consumer<AriConnectionState>> stateListeners = new ArrayList<>();

        void app(String name, StasisApp app) {
            if (name == null || name.isEmpty() || name.contains(",")) {
                throw new IllegalArgumentException("a Stasis app name must be non-empty without commas: " + name);
            }
            if (app == null) throw new IllegalArgumentException("no StasisApp for " + name);
            apps.put(name, app);
        }
    }

    private final Config cfg;
    private final AriMessageReader reader;
    private final String name;
    private final Map<String, StasisCall> calls = new ConcurrentHashMap<>();
    private final Map<String, Thread> callThreads = new ConcurrentHashMap<>();
    private final RecentIds own = new RecentIds(50_000);
    private final List<ListenerQueue<AriEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<ListenerQueue<AriConnectionState>> stateListeners = new CopyOnWriteArrayList<>();
    private final LongAdder unknownChannel = new LongAdder();
    private final AtomicLong dropped = new AtomicLong();
    private final LongAdder callsStarted = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    /** REST requests of this client or server that failed, by kind. */
    final RestFailures restFailures = new RestFailures();
    private final AtomicReference<AriConnectionState> lastState = new AtomicReference<>();
    private volatile boolean closed;
    /** An app here is AGI over ARI: its calls need Asterisk's version, read when a connection is made. */
    private final boolean agiOverAri;

    StasisRuntime(Config cfg, String name) {
        this.cfg = cfg;
        this.agiOverAri = cfg.fallback instanceof AgiOverAri || cfg.apps.values().stream().anyMatch(a -> a instanceof AgiOverAri);
        this.name = name;
        this.reader = new AriMessageReader(cfg.maxMessageChars);
        for (Consumer<AriEvent> l : cfg.eventListeners) onEvent(l);
        for (Consumer<AriConnectionState> l : cfg.stateListeners) onState(l);
    }

    Config config() { return cfg; }

    // ------------------------------------------------------------------------------------------ listeners, stats

    AriSubscription onEvent(Consumer<AriEvent> listener) {
        AtomicReference<ListenerQueue<AriEvent>> self = new AtomicReference<>();
        self.set(new ListenerQueue<>("events#" + listeners.size(), listener, cfg.listenerQueue, dropped,
                () -> listeners.remove(self.get())));
        listeners.add(self.get());
        return self.get();
    }

    AriSubscription onState(Consumer<AriConnectionState> listener) {
        AtomicReference<ListenerQueue<AriConnectionState>> self = new AtomicReference<>();
        self.set(new ListenerQueue<>("state#" + stateListeners.size(), listener, 1024, null, () -> stateListeners.remove(self.get())));
        stateListeners.add(self.get());
        return self.get();
    }

    void state(AriConnectionState s) {
        if (lastState.getAndSet(s) == AriConnectionState.CLOSED) {
            lastState.set(AriConnectionState.CLOSED);
            return;
        }
        if (s == AriConnectionState.RECONNECTED) reconnects.increment();
        for (ListenerQueue<AriConnectionState> l : stateListeners) l.offer(s);
    }

    AriConnectionState lastState() { return lastState.get(); }

    AriStats stats() {
        return new AriStats(reader.events.sum(), reader.malformed.sum(), reader.oversized.sum(), reader.unknownTypes.sum(), unknownChannel.sum(),
                dropped.get(), callsStarted.sum(), calls.size(), reconnects.sum(),
                restFailures.get(RestFailures.Kind.TIMEOUT), restFailures.get(RestFailures.Kind.CONNECTION),
                restFailures.get(RestFailures.Kind.HTTP_STATUS), restFailures.get(RestFailures.Kind.BAD_ANSWER));
    }

    /** Calls now in Stasis here. */
    List<StasisCall> calls() { return List.copyOf(calls.values()); }

    StasisCall call(String channelId) { return calls.get(channelId); }

    /** A channel this client created (externalMedia, originate, snoop): its StasisStart starts no app. */
    void ownChannel(String id) { own.add(id); }

    // ------------------------------------------------------------------------------------------ reader side

    /** One whole text message from a connection's reader. Never blocks, never runs app code. */
    void onMessage(AriSession s, String text) {
        AriEvent e = reader.read(s, text);
        if (e == null) return;
        if (e instanceof AriEvent.Other o && o.type().equals("ApplicationRegistered")) {
            s.application(o.application());
            log.info("ARI {}: Asterisk registered application '{}' on this connection", s, LogText.escape(o.application()));
            sessionRegistered(s);
        } else if (e instanceof AriEvent.Other o && o.type().equals("ApplicationReplaced")) {
            log.error("ARI {}: another WebSocket took over application '{}': no more events for it arrive here "
                    + "(two programs serve the same app name?)", s, LogText.escape(o.application()));
        }
        dispatch(s, e);
    }

    /** One part of a text message from a connection's reader (WebSockets hand messages over in parts). */
    void onPart(AriSession s, MessageAssembler assembler, CharSequence data, boolean last) {
        try {
            String m = assembler.part(data, last);
            if (m != null) {
                onMessage(s, m);
            } else if (last) {
                long n = assembler.skippedChars();
                if (n > 0) onOversized(s, n);
            }
        } catch (RuntimeException e) {
            log.error("ARI {}: handling a message failed; the connection goes on", s, e);
        }
    }

    /** A message over the size limit was skipped. */
    void onOversized(AriSession s, long chars) { reader.oversized(s, chars); }

    /** A whole binary message (ARI sends none) was read and dropped. */
    void onBinary(AriSession s, long bytes) { reader.binary(s, bytes); }

    /** Hook for the outbound server: Asterisk said which application this connection serves. */
    private final List<Consumer<AriSession>> registeredHooks = new CopyOnWriteArrayList<>();

    void onRegistered(Consumer<AriSession> hook) { registeredHooks.add(hook); }

    private void sessionRegistered(AriSession s) {
        for (Consumer<AriSession> h : registeredHooks) h.accept(s);
    }

    void dispatch(AriSession s, AriEvent e) {
        if (e instanceof AriEvent.StasisStart st) {
            stasisStart(s, st);
        } else if (e instanceof AriEvent.Dial d) {
            boolean any = deliver(d.caller() == null ? null : d.caller().id(), e);
            if (d.peer() != null && d.peer().id() != null && !d.peer().id().equals(d.caller() == null ? null : d.caller().id())) {
                any |= deliver(d.peer().id(), e);
            }
            if (!any) notForACall(s, e, d.channelId());
        } else {
            String id = e.channelId();
            if (id != null && !deliver(id, e)) notForACall(s, e, id);
            if (e instanceof AriEvent.ChannelDestroyed && id != null) own.remove(id);
        }
        for (ListenerQueue<AriEvent> l : listeners) l.offer(e);
    }

    private boolean deliver(String channelId, AriEvent e) {
        if (channelId == null) return false;
        StasisCall c = calls.get(channelId);
        if (c == null) return false;
        if (!c.deliver(e)) {
            dropped.incrementAndGet();
            long d = c.dropped();
            if (d == 1 || d % 1000 == 0) {
                log.warn("ARI: the app of {} is {} events behind (it reads none): {} event(s) dropped for it so far, this one a {} "
                        + "(its StasisEnd and hangup are never dropped)", c, c.queued(), d, e.type());
            }
        }
        if (e instanceof AriEvent.StasisEnd) calls.remove(channelId, c);
        return true;
    }

    private void notForACall(AriSession s, AriEvent e, String id) {
        if (id == null || own.contains(id)) return;
        unknownChannel.increment();
        log.debug("ARI {}: {} for channel {}, which is not a call in Stasis here: to the event listeners only", s, e.type(),
                LogText.escape(id));
    }

    private void stasisStart(AriSession s, AriEvent.StasisStart st) {
        Channel ch = st.channel();
        if (ch == null || ch.id() == null || ch.id().isEmpty()) {
            reader.malformed.increment();
            log.warn("ARI {}: a StasisStart without a channel id was ignored", s);
            return;
        }
        if (own.contains(ch.id())) {
            log.debug("ARI {}: StasisStart of channel {} that this client created: no app started for it", s, LogText.escape(ch.id()));
            return;
        }
        startCall(s, st.application(), ch, st.args());
    }

    private StasisCall startCall(AriSession s, String application, Channel ch, List<String> args) {
        String app = appName(application);
        StasisCall call = new StasisCall(s, app, application == null ? app : application, ch, args, cfg.callQueue, this);
        StasisCall existing = calls.putIfAbsent(ch.id(), call);
        if (existing != null) {
            log.debug("ARI {}: StasisStart for {} which is already a call here; ignored", s, existing);
            return existing;
        }
        if (closed) {
            calls.remove(ch.id(), call);
            return call;
        }
        callsStarted.increment();
        StasisApp handler = cfg.apps.get(app);
        if (handler == null) handler = cfg.fallback;
        StasisApp run = handler;
        Thread t = Thread.ofVirtual().name("ari-call-" + ch.id()).unstarted(() -> runCall(run, call));
        callThreads.put(ch.id(), t);
        t.start();
        return call;
    }

    /** The app a call belongs to: the name registered here; a per-call outbound connection names it {@code app:channel}. */
    String appName(String application) {
        if (application == null) return "";
        if (cfg.apps.containsKey(application)) return application;
        int colon = application.indexOf(':');
        return colon > 0 ? application.substring(0, colon) : application;
    }

    private void runCall(StasisApp app, StasisCall call) {
        try {
            if (app == null) {
                log.warn("ARI: {} entered Stasis app '{}' but no StasisApp is registered for it: it goes back to the dialplan",
                        call, LogText.escape(call.application()));
            } else {
                app.run(call);
            }
        } catch (InterruptedException e) {
            log.debug("ARI: {} interrupted (client closing)", call);
        } catch (Throwable e) {
            log.warn("ARI: Stasis app '{}' failed on {}: {}", call.app(), call, e.toString(), e);
        } finally {
            callThreads.remove(call.id());
            call.appDone(true);
            if (call.inStasis() && !call.left() && !closed) backToDialplan(call);
        }
    }

    /** Sends a call whose app returned back to the dialplan; if Asterisk cannot be reached, the next resync tries again. */
    private void backToDialplan(StasisCall call) {
        try {
            call.ari().channels().continueInDialplan(call.id());
            log.debug("ARI: {} went back to the dialplan after its app returned", call);
        } catch (AriHttpException e) {
            log.debug("ARI: continue after the app for {}: {}", call, e.getMessage());   // it hung up meanwhile
        } catch (AriException e) {
            log.warn("ARI: could not send {} back to the dialplan after its app returned ({}); trying again when the "
                    + "connection is back", call, e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------ (re)connect

    /**
     * Looks up the calls in Stasis after a (re)connect, over {@code s}'s REST transport. Calls known here that are
     * gone get a StasisEnd; calls still there (and known from before the loss) get {@link AriEvent.EventsMissed} and
     * are served by {@code s} from now on; channels in Stasis for one of {@code apps} that are not calls here are
     * started. Blocking: run it off the reader.
     *
     * @param lostAt when the previous connection was lost, or null for a first connect
     * @return false if the channels could not be read
     */
    boolean resync(AriSession s, Predicate<String> apps, Instant lostAt) {
        if (agiOverAri) s.asteriskInfo();   // agi_version, read once for the calls on this connection (Asterisk may have been upgraded)
        List<Channel> channels;
        try {
            channels = new Ari(s::rest, this::ownChannel, restFailures).channels().list();
        } catch (AriException e) {
            log.warn("ARI {}: could not look up the calls in Stasis ({}); calls started before stay as they are", s, e.getMessage());
            return false;
        }
        Instant now = Instant.now();
        Map<String, Channel> inStasis = new LinkedHashMap<>();
        for (Channel c : channels) {
            if (c == null || c.id() == null || c.dialplan() == null || !"Stasis".equalsIgnoreCase(c.dialplan().appName())) continue;
            String appData = c.dialplan().appData() == null ? "" : c.dialplan().appData();
            String app = appData.split(",", -1)[0].trim();
            if (apps.test(appName(app))) inStasis.put(c.id(), c);
        }
        int ended = 0, resumed = 0, found = 0;
        for (StasisCall call : calls.values()) {
            if (!apps.test(call.app()) || call.session() == s) continue;   // began on this connection: its events flow
            Channel c = inStasis.remove(call.id());
            if (c == null) {
                ended++;
                call.deliver(new AriEvent.StasisEnd(now, call.application(), null, call.channel()));
                calls.remove(call.id(), call);
            } else if (call.appDone()) {
                call.rebind(s);
                if (!call.left()) backToDialplan(call);   // its app returned while Asterisk could not be reached
            } else {
                resumed++;
                call.rebind(s);
                call.deliver(new AriEvent.EventsMissed(now, call.application(), call.id(),
                        lostAt == null ? Duration.ZERO : Duration.between(lostAt, now)));
            }
        }
        for (Channel c : inStasis.values()) {
            if (own.contains(c.id()) || calls.containsKey(c.id())) continue;
            String[] parts = c.dialplan().appData().split(",", -1);
            String application = parts[0].trim();
            found++;
            startCall(s, application, c, Arrays.asList(parts).subList(1, parts.length));
        }
        if (lostAt != null || found > 0) {
            log.info("ARI {}: calls in Stasis looked up: {} went on, {} ended while the connection was down, {} found that entered "
                    + "meanwhile (or before this client started) and were started", s, resumed, ended, found);
        }
        return true;
    }

    /** Stops listeners and interrupts the calls' threads (their apps end; the channels stay in Stasis). */
    void close() {
        closed = true;
        state(AriConnectionState.CLOSED);
        for (Thread t : callThreads.values()) t.interrupt();
        for (ListenerQueue<AriEvent> l : listeners) l.stopAfterQueued();
        for (ListenerQueue<AriConnectionState> l : stateListeners) l.stopAfterQueued();
    }

    boolean closed() { return closed; }

    @Override
    public String toString() { return name; }
}
