package org.tinyphone.server.clients;

import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.Subscription;

/**
 * A client of the original hub's dialect: receive-only, one number at a time (a later CONNECT replaces the
 * earlier one, as in the hub), no snapshot, nothing sent back but events. A number gated by a token accepts
 * a CONNECT whose client id is that token (old client libraries cannot send anything else).
 */
final class LegacySession extends ClientSession {
    private static final Logger log = LoggerFactory.getLogger(LegacySession.class);
    private static final EncodingCache EVENTS_CR = new EncodingCache(4096, LegacyCodec::encode, "\n");
    private static final EncodingCache EVENTS_NULL = new EncodingCache(4096, LegacyCodec::encode, "\0");

    private volatile char terminator = '\n';
    private int malformed; // reader thread only
    private Subscription subscription; // guarded by subLock
    private final ReentrantLock subLock = new ReentrantLock();

    LegacySession(ClientHub hub, Transport transport) {
        super(hub, transport, ClientHub.LEGACY);
    }

    /** One line from the client, terminator removed (a too-long line arrives as {@code null}). */
    void handleLine(String line) {
        if (line == null) {
            malformed("line longer than " + hub.limits().maxLine() + " bytes");
            return;
        }
        Optional<LegacyCodec.Connect> parsed = LegacyCodec.parseConnect(line);
        if (parsed.isEmpty()) {
            malformed(printable(line));
            return;
        }
        LegacyCodec.Connect c = parsed.get();
        Bridge bridge = hub.bridge();
        if (c.number().isEmpty() || !(bridge.permits(c.number(), null) || bridge.permits(c.number(), c.clientId()))) {
            log.warn("{}: CONNECT to {} refused: {}", this, c.number(),
                    c.number().isEmpty() ? "no number" : "the number needs a token (give it as the client id)");
            return;
        }
        terminator = c.terminator();
        Subscription previous;
        Subscription next = bridge.subscribe(c.number(), this);
        subLock.lock();
        try {
            previous = subscription;
            subscription = next;
        } finally {
            subLock.unlock();
        }
        if (previous != null && !previous.number().equals(next.number())) previous.close();
        if (finished()) next.close();
        String who = bridge.tokenRequired(c.number()) ? "(token)" : printable(c.clientId()); // never log a token
        log.info("{}: CONNECT {} as {} ({})", this, c.number(), who, c.terminator() == '\0' ? "NULL" : "CR");
    }

    /** Logged and ignored, as the hub did; after 10, only every 1000th is logged so a chatty client cannot flood the log. */
    private void malformed(String what) {
        malformed++;
        if (malformed <= 10 || malformed % 1000 == 0) {
            log.info("{}: malformed message from remote client ({} so far): {}", this, malformed, what);
        }
    }

    @Override
    protected byte[] render(Object message) {
        return (terminator == '\0' ? EVENTS_NULL : EVENTS_CR).encode((CallEvent) message);
    }

    @Override
    protected void unsubscribeAll() {
        Subscription s;
        subLock.lock();
        try {
            s = subscription;
            subscription = null;
        } finally {
            subLock.unlock();
        }
        if (s != null) s.close();
    }

    static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "…" : s;
        StringBuilder sb = new StringBuilder();
        for (char ch : t.toCharArray()) sb.append(ch < 0x20 ? String.format("\\x%02x", (int) ch) : String.valueOf(ch));
        return sb.toString();
    }
}
