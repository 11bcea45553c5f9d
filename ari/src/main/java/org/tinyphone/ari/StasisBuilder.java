package org.tinyphone.ari;

import java.time.Duration;
import java.util.function.Consumer;

/** What {@link AriClient.Builder} and {@link OutboundAriServer.Builder} share: the apps, queues, limits and listeners. */
public abstract class StasisBuilder<B extends StasisBuilder<B>> {
    final StasisRuntime.Config runtime = new StasisRuntime.Config();

    StasisBuilder() {}

    @SuppressWarnings("unchecked")
    private B self() { return (B) this; }

    /** Serves the Stasis application {@code name}: {@code Stasis(name,args...)} in the dialplan runs {@code app}. */
    public B app(String name, StasisApp app) {
        runtime.app(name, app);
        return self();
    }

    /**
     * Runs for a channel of an app without its own {@link StasisApp} (outbound connections name their app in
     * ari.conf). Without one, such a channel goes back to the dialplan with a warning.
     */
    public B fallbackApp(StasisApp app) {
        runtime.fallback = app;
        return self();
    }

    /** Longest wait for a REST answer; default 10 s. */
    public B restTimeout(Duration d) {
        runtime.restTimeout = d;
        return self();
    }

    /** Events queued per call before further ones are dropped (never StasisEnd/hangup); default 1000. */
    public B callQueue(int n) {
        runtime.callQueue = positive(n);
        return self();
    }

    /** Events queued per event listener before further ones are dropped for it; default 10,000. */
    public B listenerQueue(int n) {
        runtime.listenerQueue = positive(n);
        return self();
    }

    /** Longest message accepted, in chars; longer ones are dropped (the connection goes on); default 1 Mi. */
    public B maxMessageChars(int n) {
        runtime.maxMessageChars = positive(n);
        return self();
    }

    /** An event listener registered before the first connection (so it sees everything). */
    public B onEvent(Consumer<AriEvent> l) {
        runtime.eventListeners.add(l);
        return self();
    }

    /** A connection state listener registered before the first connection. */
    public B onState(Consumer<AriConnectionState> l) {
        runtime.stateListeners.add(l);
        return self();
    }

    static int positive(int n) {
        if (n < 1) throw new IllegalArgumentException("must be positive: " + n);
        return n;
    }
}
