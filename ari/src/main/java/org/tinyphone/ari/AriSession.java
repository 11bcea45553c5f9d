package org.tinyphone.ari;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One events connection to Asterisk (an inbound events WebSocket, or one of Asterisk's outbound WebSockets) and
 * the REST transport calls that arrived on it use.
 */
abstract class AriSession {
    private final String where;
    private volatile String application;   // outbound: from ApplicationRegistered
    /** GET asterisk/info on this connection: the one in flight or its outcome (a failed one is asked again by the next call). */
    private final AtomicReference<CompletableFuture<RetriedRead.Outcome<AsteriskInfo>>> info = new AtomicReference<>();

    private final RestFailures restFailures;

    AriSession(String where, RestFailures restFailures) {
        this.where = where;
        this.restFailures = restFailures;
    }

    /** Where this connection goes, for messages (no credentials). */
    final String where() { return where; }

    /** The REST transport for calls that arrived here. */
    abstract RestTransport rest();

    /** Closes the connection (the runtime was told, or is closing). */
    abstract void close(String reason);

    /**
     * Asterisk's info as this connection found it: one {@code GET asterisk/info} per connection (started when it
     * connects if an app is AGI over ARI, see {@code StasisRuntime.resync}), shared by every call on it; a call that
     * asks before the answer waits for that one read. A read that failed (after {@link RetriedRead}'s tries) is not
     * kept: the next caller starts one again. A new connection (a reconnect) reads it anew, as Asterisk may have been
     * upgraded meanwhile.
     */
    final CompletableFuture<RetriedRead.Outcome<AsteriskInfo>> asteriskInfo() {
        while (true) {
            CompletableFuture<RetriedRead.Outcome<AsteriskInfo>> now = info.get();
            if (now != null && !(now.isDone() && now.join().failed())) return now;   // never completed exceptionally
            CompletableFuture<RetriedRead.Outcome<AsteriskInfo>> mine = new CompletableFuture<>();
            if (!info.compareAndSet(now, mine)) continue;
            Ari ari = new Ari(() -> RestTransport.waitingAtMost(rest(), RetriedRead.MAX_WAIT), id -> { }, restFailures);
            Thread.ofVirtual().name("ari-asterisk-info").start(() -> {
                try {
                    mine.complete(RetriedRead.read(ari, a -> a.asterisk().info()));
                } catch (RuntimeException e) {   // not Asterisk's answer: a bug here; still an outcome the calls can report
                    mine.complete(new RetriedRead.Outcome<>(null, new AriException(org.tinyphone.net.LogText.escape(e), e), 1));
                }
            });
            return mine;
        }
    }

    /**
     * True once this connection ended and its calls cannot come back on another one (a per-call outbound connection):
     * a request that failed for want of it means the call is over for us, not a hiccup.
     */
    boolean endedForGood() { return false; }

    /** Outbound: the application Asterisk registered on this connection ({@code tinyphone-out}, or {@code app:channel} per call). */
    final String application() { return application; }

    final void application(String app) { this.application = app; }

    @Override
    public String toString() { return where; }
}
