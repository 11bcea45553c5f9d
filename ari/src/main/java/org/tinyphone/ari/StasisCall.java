package org.tinyphone.ari;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One channel in a Stasis application, handled by a {@link StasisApp} on its own virtual thread: its events in
 * order ({@link #nextEvent}), and REST calls bound to it. Events arrive already decoded; the connection's reader
 * only queues them (bounded) and never waits for the app.
 */
public final class StasisCall {
    private final String id;
    private final String app;
    private final String application;
    private final List<String> args;
    private final CallEvents events;
    private final Ari ari;
    private final java.util.function.Consumer<String> ownChannel;
    private final RestFailures restFailures;
    private volatile AriSession session;
    private volatile Channel channel;
    private volatile boolean inStasis = true;
    private volatile boolean left;
    private volatile boolean appDone;

    StasisCall(AriSession session, String app, String application, Channel channel, List<String> args, int queueCapacity,
               StasisRuntime runtime) {
        this.session = session;
        this.id = channel.id();
        this.app = app;
        this.application = application;
        this.channel = channel;
        this.args = List.copyOf(args);
        this.events = new CallEvents(queueCapacity);
        this.ownChannel = runtime::ownChannel;
        this.restFailures = runtime.restFailures;
        this.ari = new Ari(() -> this.session.rest(), ownChannel, restFailures);
    }

    /** The channel id. */
    public String id() { return id; }

    /** The Stasis application's name as registered here ({@code hello}); see also {@link #application()}. */
    public String app() { return app; }

    /** The application as Asterisk names it in events ({@code hello}, or {@code app:channel} for a per-call outbound connection). */
    public String application() { return application; }

    /** The {@code Stasis(app,arg1,arg2)} arguments. */
    public List<String> args() { return args; }

    /** The channel as last described by Asterisk (its state follows ChannelStateChange). */
    public Channel channel() { return channel; }

    /** False once the channel left Stasis (StasisEnd: it hung up or went back to the dialplan). */
    public boolean inStasis() { return inStasis; }

    /** REST calls, over the connection this call is served by. */
    public Ari ari() { return ari; }

    /** The next event for this channel, waiting up to {@code timeout}; null if none came. */
    public AriEvent nextEvent(Duration timeout) throws InterruptedException {
        long n = timeout.toNanos();
        return events.poll(n < 0 ? 0 : n);
    }

    /** The next event for this channel, waiting as long as it takes. */
    public AriEvent nextEvent() throws InterruptedException { return events.poll(-1); }

    /** The next event if one is waiting, else null. */
    public AriEvent pollEvent() { return events.poll(); }

    // ---- the usual REST calls on this channel

    public void answer() { ari.channels().answer(id); }

    /** Hangs up (nothing is sent if the channel already left Stasis). */
    public void hangup() {
        if (!inStasis) return;
        ari.channels().hangup(id);
        left = true;
    }

    public Playback play(String... media) { return ari.channels().play(id, Play.of(media)); }

    public Playback play(Play play) { return ari.channels().play(id, play); }

    public Optional<String> getVariable(String name) { return ari.channels().getVariable(id, name); }

    public void setVariable(String name, String value) { ari.channels().setVariable(id, name, value); }

    /** Back to the dialplan at the next priority. */
    public void continueInDialplan() {
        ari.channels().continueInDialplan(id);
        left = true;
    }

    /** Back to the dialplan at a place (nulls: stay in the current context/extension; label beats priority). */
    public void continueInDialplan(String context, String extension, Long priority, String label) {
        ari.channels().continueInDialplan(id, context, extension, priority, label);
        left = true;
    }

    // ---- runtime side

    /** Queues an event (never blocks); false if dropped. */
    boolean deliver(AriEvent e) {
        if (e instanceof AriEvent.StasisEnd) inStasis = false;
        Channel c = snapshotOf(e);
        if (c != null && id.equals(c.id())) channel = c;
        return events.offer(e);
    }

    private static Channel snapshotOf(AriEvent e) {
        return switch (e) {
            case AriEvent.ChannelStateChange s -> s.channel();
            case AriEvent.ChannelVarset v -> v.channel();
            case AriEvent.ChannelDtmfReceived d -> d.channel();
            case AriEvent.ChannelHangupRequest h -> h.channel();
            case AriEvent.StasisEnd s -> s.channel();
            case AriEvent.ChannelEnteredBridge b -> b.channel();
            case AriEvent.ChannelLeftBridge b -> b.channel();
            default -> null;
        };
    }

    AriSession session() { return session; }

    /** True when this call's connection ended and none can take it over: no request or event for it will come again. */
    boolean connectionEndedForGood() { return session.endedForGood(); }

    /** REST calls like {@link #ari()}'s, each waiting at most {@code maxWait} for its answer (or the transport's timeout if shorter). */
    Ari ari(Duration maxWait) { return new Ari(() -> RestTransport.waitingAtMost(session.rest(), maxWait), ownChannel, restFailures); }

    void rebind(AriSession s) { this.session = s; }

    /** True if the app itself sent the channel away (continue, hangup): nothing more to do when it returns. */
    boolean left() { return left; }

    /** True once the app returned. */
    boolean appDone() { return appDone; }

    void appDone(boolean v) { appDone = v; }

    int queued() { return events.size(); }

    long dropped() { return events.dropped(); }

    @Override
    public String toString() { return "StasisCall[" + app + " " + id + " " + (channel.name() == null ? "" : channel.name()) + "]"; }
}
