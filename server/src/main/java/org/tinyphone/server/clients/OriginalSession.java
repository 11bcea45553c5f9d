package org.tinyphone.server.clients;

import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;
import org.tinyphone.server.access.Peer;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.Numbers;
import org.tinyphone.server.bridge.Subscription;

/**
 * A client of the original hub's dialect: receive-only, one number at a time (a later CONNECT replaces the
 * earlier one, as in the clientSessions), no snapshot, nothing sent back but events. A number gated by a token accepts
 * a CONNECT whose client id is that token (old client libraries cannot send anything else).
 */
final class OriginalSession extends ClientSession {
    private static final Logger log = LoggerFactory.getLogger(OriginalSession.class);
    private static final EncodingCache EVENTS_CR = new EncodingCache(4096, OriginalCodec::encode, "\n");
    private static final EncodingCache EVENTS_NULL = new EncodingCache(4096, OriginalCodec::encode, "\0");

    private volatile char terminator = '\n';
    private int malformed; // reader thread only
    private Subscription subscription; // guarded by subLock
    private final ReentrantLock subLock = new ReentrantLock();

    /** @param peer where the client connects from */
    OriginalSession(ClientSessions clientSessions, Transport transport, Peer peer) {
        super(clientSessions, transport, ClientSessions.ORIGINAL, peer);
    }

    /** One line from the client, terminator removed (a too-long line arrives as {@code null}). */
    void handleLine(String line) {
        if (line == null) {
            malformed("line longer than " + clientSessions.limits().maxLine() + " bytes");
            return;
        }
        Optional<OriginalCodec.Connect> parsed = OriginalCodec.parseConnect(line);
        if (parsed.isEmpty()) {
            malformed(LogText.escape(line));
            return;
        }
        OriginalCodec.Connect c = parsed.get();
        Bridge bridge = clientSessions.bridge();
        String number = Numbers.normalize(c.number());
        if (number.isEmpty()) {
            clientSessions.logRefusal(this, "CONNECT", "no number");
            return;
        }
        if (!clientSessions.access().canWatchWithClientId(number, c.clientId(), peer())) {
            clientSessions.logRefusal(this, "CONNECT to " + number, clientSessions.access().hasOwnToken(number)
                    ? "the number needs its token (give it as the client id)"
                    : clientSessions.access().grant(number, null, peer().local()).why() + " (give it as the client id)");
            return;
        }
        terminator = c.terminator();
        Subscription previous;
        Subscription next = bridge.subscribe(number, this);
        subLock.lock();
        try {
            previous = subscription;
            subscription = next;
        } finally {
            subLock.unlock();
        }
        if (previous != null && !previous.number().equals(next.number())) previous.close();
        if (finished()) next.close();
        // never log a token
        String who = clientSessions.access().hasOwnToken(number) || clientSessions.access().isToken(c.clientId()) ? "(token)"
                : LogText.escape(c.clientId());
        log.info("{}: CONNECT {} as {} ({})", this, LogText.escape(number), who, c.terminator() == '\0' ? "NULL" : "CR");
    }

    private static final org.tinyphone.net.LogLimiter MALFORMED = new org.tinyphone.net.LogLimiter(5, java.time.Duration.ofSeconds(10));

    /**
     * Logged and ignored, as the hub did; at most a few lines per 10 s for all clients together, so chatty clients
     * cannot flood the log.
     */
    private void malformed(String what) {
        malformed++;
        MALFORMED.info(log, "original malformed", "{}: malformed message from remote client ({} so far): {}", this,
                malformed, what);
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
}
