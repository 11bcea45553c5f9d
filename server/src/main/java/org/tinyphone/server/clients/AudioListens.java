package org.tinyphone.server.clients;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.tinyphone.server.bridge.AudioFormat;
import org.tinyphone.server.bridge.AudioSink;

/**
 * The calls one native client listens to ({@code listen}, docs/protocol.md), at most {@value #MAX_PER_CLIENT}. Each is
 * an {@link AudioSink} that numbers the call's frames and queues them in the client's {@link Outbox}, whose bound for
 * audio drops what does not fit: the client loses frames, never its events or its connection. The next frame that
 * goes out says how many were lost before it ({@code lost}), and the end ({@code audio_end}) how many in all.
 *
 * <p>Locks: a listen's own lock, then the outbox's (it queues under its lock, so no frame can follow its end); nothing
 * holding the outbox lock takes a listen's (docs/design.md, "Lock order").
 */
final class AudioListens {
    /** Calls one client may listen to at once. */
    static final int MAX_PER_CLIENT = 32;

    /** One frame as queued for the client's writer (rendered there, {@link NativeCodec#audio}). */
    record Frame(String call, String number, AudioFormat format, long seq, long lost, long time, byte[] audio) {}

    /** The end of a listen as queued (rendered by {@link NativeCodec#audioEnd}). */
    record End(String call, String number, String reason, long frames, long lost, long time) {}

    private final ClientSession session;
    private final ClientSessions clientSessions;
    private final Map<String, Listen> byCall = new ConcurrentHashMap<>();

    AudioListens(ClientSession session, ClientSessions clientSessions) {
        this.session = session;
        this.clientSessions = clientSessions;
    }

    /** A new listen to {@code call}, or null when the client listens to it already or to as many calls as it may. */
    synchronized Listen open(String call, String number, AudioFormat format) {
        if (byCall.containsKey(call) || byCall.size() >= MAX_PER_CLIENT) return null;
        Listen l = new Listen(call, number, format);
        byCall.put(call, l);
        clientSessions.listening.incrementAndGet();
        return l;
    }

    /** Why {@link #open} gave null. */
    String refusal(String call) {
        return byCall.containsKey(call) ? "already listening to call " + call + " (stop_listen first to change the format)"
                : "this client listens to " + MAX_PER_CLIENT + " calls already, the most one client may";
    }

    /** The listen to {@code call}, if any. */
    Listen of(String call) {
        return byCall.get(call);
    }

    /** Ends the listens that {@code which} picks, telling the client why ({@code audio_end}). */
    void end(Predicate<Listen> which, String reason) {
        for (Listen l : List.copyOf(byCall.values())) if (which.test(l)) l.end(reason);
    }

    /** The client is gone: every listen ends, nothing is sent. */
    void dropAll() {
        for (Listen l : List.copyOf(byCall.values())) l.finish(null);
    }

    /** One call's audio for this client. */
    final class Listen implements AudioSink {
        final String call;
        final String number;
        final AudioFormat format;
        private volatile boolean open = true;
        private long seq;       // guarded by this: frames offered so far
        private long lost;      // guarded by this: dropped since the last frame that went out
        private long lostTotal; // guarded by this

        private Listen(String call, String number, AudioFormat format) {
            this.call = call;
            this.number = number;
            this.format = format;
        }

        @Override
        public synchronized boolean frame(byte[] audio, long time) {
            if (!open) return false;
            seq++;
            if (session.outbox.offerAudio(new Frame(call, number, format, seq, lost, time, audio)) == Outbox.Offer.QUEUED) {
                lost = 0;
                return true;
            }
            lost++;
            lostTotal++;
            return false;
        }

        @Override
        public void end(String reason) {
            finish(reason);
        }

        /**
         * Ends the listen; {@code reason} null: without telling the client. The end is queued before the listen leaves
         * the client's table, so whoever finds it there and ends it too (the call's hangup on its way to the client)
         * waits for this lock and queues after the end.
         */
        synchronized void finish(String reason) {
            if (!open) return;
            open = false;
            if (reason != null) session.send(new End(call, number, reason, seq, lostTotal, System.currentTimeMillis()));
            byCall.remove(call, this);
            clientSessions.listening.decrementAndGet();
        }

        @Override
        public boolean open() {
            return open;
        }
    }
}
