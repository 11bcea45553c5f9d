package org.tinyphone.server.ingress;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.agi.AgiChannel;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.StreamAgiChannel;
import org.tinyphone.audio.relay.RelayListener;
import org.tinyphone.audio.relay.RelaySession;
import org.tinyphone.server.bridge.Call;

/**
 * One {@code bin/tinyphone-agi} tunnel: the bridge app runs over its AGI byte streams exactly as over FastAGI, and
 * the caller's audio (EAGI fd 3) goes through the level meter into {@code audio_level} events, about 15 a second,
 * only while audio flows.
 */
final class RelayTunnelSession {
    private static final Logger log = LoggerFactory.getLogger(RelayTunnelSession.class);

    private final BridgeAgiApp app;
    private final String peer;

    RelayTunnelSession(BridgeAgiApp app, String peer) {
        this.app = app;
        this.peer = peer;
    }

    /** Serves the tunnel until the call is over; {@code afterGreeting} is positioned after the magic line. */
    void run(Socket socket, InputStream afterGreeting) throws IOException {
        AtomicReference<Call> call = new AtomicReference<>();
        RelaySession session = RelaySession.open(socket, afterGreeting, new RelayListener() {
            @Override
            public void level(int peak, int rms) {
                Call c = call.get();
                if (c != null) {
                    c.audioLevel(peak);
                }
            }
        });
        try {
            AgiChannel channel;
            try {
                channel = StreamAgiChannel.open(session.agiInput(), session.agiOutput());
            } catch (AgiException e) {
                log.warn("relay {}: no AGI session: {}", peer, e.getMessage());
                return;
            }
            app.run(channel, call::set);
        } finally {
            session.close("call ended");
        }
    }
}
