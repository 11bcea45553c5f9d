package org.tinyphone.server.ingress;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.audio.relay.RelayProtocol;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.config.AddressAllowList;

/**
 * The call relay port (12001): looks at each connection's first line and serves either the tunnel of
 * {@code bin/tinyphone-agi} (first line {@value RelayProtocol#MAGIC}: an AGI session plus the caller's audio, run by
 * the {@link BridgeAgiApp}) or the original hub's relay lines ({@code id:...,event:...,value:...}) of the 2012 Ruby
 * per-call script.
 */
public final class CallRelayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallRelayServer.class);
    /** How long a new connection may take to send its first line. */
    static final int FIRST_LINE_TIMEOUT_MILLIS = 15_000;

    private final Bridge bridge;
    private final BridgeAgiApp app;
    private final TcpListener listener;

    private CallRelayServer(Bridge bridge, AudioSocketJoins joins, String bind, int port, AddressAllowList allowList)
            throws IOException {
        this.bridge = bridge;
        this.app = new BridgeAgiApp(bridge, "relay", joins);
        this.listener = TcpListener.start("relay", bind, port, allowList, this::serve);
    }

    /**
     * Starts listening ({@code port} 0: any free port, see {@link #port()}).
     *
     * @param joins where relay calls register their AudioSocket UUID, or null when AudioSocket is off
     * @param allowList hosts allowed to connect (null: anyone)
     */
    public static CallRelayServer start(Bridge bridge, AudioSocketJoins joins, String bind, int port,
                                        AddressAllowList allowList) throws IOException {
        return new CallRelayServer(bridge, joins, bind, port, allowList);
    }

    /** The bound port. */
    public int port() {
        return listener.port();
    }

    private void serve(Socket socket) {
        String peer = socket.getRemoteSocketAddress().toString();
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
            LineReader lines = new LineReader(in, LegacyLine.MAX_LENGTH);
            socket.setSoTimeout(FIRST_LINE_TIMEOUT_MILLIS);
            String first = lines.readLine();
            socket.setSoTimeout(0);
            if (first == null) {
                log.debug("relay {}: closed before its first line", peer);
            } else if (RelayProtocol.isGreeting(first)) {
                new RelayTunnelSession(app, peer).run(socket, in);
            } else {
                new LegacyRelaySession(bridge, peer).run(first, lines);
            }
        } catch (SocketTimeoutException e) {
            log.warn("relay {}: no first line within {} ms; closing", peer, FIRST_LINE_TIMEOUT_MILLIS);
        } catch (IOException e) {
            log.warn("relay {}: {}", peer, e.getMessage());
        }
    }

    @Override
    public void close() {
        listener.close();
    }
}
