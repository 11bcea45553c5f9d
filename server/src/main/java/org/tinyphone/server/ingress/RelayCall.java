package org.tinyphone.server.ingress;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.agi.AgiChannel;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.StreamAgiChannel;
import org.tinyphone.relay.RelayListener;
import org.tinyphone.relay.RelaySession;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.stream.CallAudio;
import org.tinyphone.server.stream.MediaStreams;

/**
 * One {@code bin/tinyphone-agi} tunnel: the bridge app runs over its AGI byte streams exactly as over FastAGI, and
 * the caller's audio (EAGI fd 3) goes through the level meter into {@code audio_level} events, about 15 a second,
 * only while audio flows, and to the number's media stream app if it has one (caller audio only: the relay cannot
 * carry audio back). The AGI environment must come within the handshake deadline after the greeting (as FastAGI's
 * must after the connect): a relay that greets and then says nothing gets an END frame with the reason.
 */
final class RelayCall {
    private static final Logger log = LoggerFactory.getLogger(RelayCall.class);

    private final BridgeAgiApp app;
    private final String peer;
    private final Duration environmentTimeout;
    private final ListenerStats stats;
    private final LogLimiter limiter;
    private final MediaStreams streams;

    /** {@code peer} is escaped for the log already. */
    RelayCall(BridgeAgiApp app, String peer, Duration environmentTimeout, ListenerStats stats, LogLimiter limiter,
                       MediaStreams streams) {
        this.streams = streams;
        this.app = app;
        this.peer = peer;
        this.environmentTimeout = environmentTimeout;
        this.stats = stats;
        this.limiter = limiter;
    }

    /** Serves the tunnel until the call is over; {@code afterGreeting} is positioned after the magic line. */
    void run(Socket socket, InputStream afterGreeting) throws IOException {
        AtomicReference<Call> call = new AtomicReference<>();
        RelaySession session = RelaySession.open(socket, afterGreeting, new RelayListener() {
            private CallAudio stream;

            /** EAGI audio: the call's media stream opens with the first of it (caller audio only: none goes back). */
            @Override
            public void audio(byte[] pcm, int offset, int length) {
                Call c = call.get();
                if (c == null) return;
                if (stream == null) stream = streams.attach(c, null);
                stream.audio(8000, pcm, offset, length);
            }

            @Override
            public void level(int peak, int rms) {
                Call c = call.get();
                if (c != null) {
                    c.audioLevel(peak);
                }
            }
        });
        // whoever sets it first decides: the environment was read in time, or the deadline passed
        AtomicBoolean decided = new AtomicBoolean();
        String late = "no AGI environment within " + environmentTimeout.toMillis() + " ms after the greeting";
        Thread deadline = Thread.ofVirtual().name("relay-environment-deadline").start(() -> {
            try {
                Thread.sleep(environmentTimeout);
            } catch (InterruptedException e) {
                return;
            }
            if (decided.compareAndSet(false, true)) session.close(late); // END frame with the reason, then close
        });
        try {
            AgiChannel channel = null;
            String failure = null;
            try {
                channel = StreamAgiChannel.open(session.agiInput(), session.agiOutput());
            } catch (AgiException | IOException e) {
                failure = LogText.escape(e.getMessage());
            } finally {
                deadline.interrupt();
            }
            if (!decided.compareAndSet(false, true)) { // the deadline passed first: the session is closed
                stats.countDeadlineMissed();
                limiter.warn(log, "relay no environment", "relay {}: {}; closed", peer, late);
                return;
            }
            if (channel == null) {
                log.warn("relay {}: no AGI session: {}", peer, failure);
                return;
            }
            app.run(channel, call::set);
        } finally {
            session.close("call ended");
        }
    }
}
