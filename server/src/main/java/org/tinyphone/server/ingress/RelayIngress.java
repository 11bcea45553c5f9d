package org.tinyphone.server.ingress;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.relay.RelayProtocol;
import org.tinyphone.net.DeadlineInput;
import org.tinyphone.net.GuardedAcceptor;
import org.tinyphone.net.LineReader;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.stream.MediaStreams;
import org.tinyphone.server.config.AddressAllowList;

/**
 * The call relay port (12001): looks at each connection's first line and serves either the tunnel of
 * {@code bin/tinyphone-agi} (first line {@value RelayProtocol#MAGIC}: an AGI session plus the caller's audio, run by
 * the {@link BridgeAgiApp}) or the original script's legacy lines ({@code id:...,event:...,value:...}) of the 2012 Ruby
 * per-call script. A greeting of another relay protocol version ({@code TINYPHONE-RELAY/2}) is refused with an END
 * frame that says why.
 *
 * <p>Accepting runs on the shared {@link GuardedAcceptor}: peers not on the allow-list are closed at accept,
 * connections over the cap at once, accept errors (out of descriptors) are retried with a backoff. A connection has
 * the handshake deadline for its first line, and a tunnel the same again for its AGI environment.
 */
public final class RelayIngress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayIngress.class);
    /** Relay connections open at once, unless configured (relay.max-connections). */
    public static final int DEFAULT_MAX_CONNECTIONS = 1000;
    /** How long a new connection may take to send its first line, and a tunnel its environment, unless configured. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final Bridge bridge;
    private final BridgeAgiApp app;
    private final Duration handshakeTimeout;
    private final LogLimiter limiter = new LogLimiter(5, Duration.ofSeconds(10));
    private final GuardedAcceptor acceptor;
    private final MediaStreams streams;

    private RelayIngress(Bridge bridge, AudioSocketJoins joins, String bind, int port, AddressAllowList allowList,
                            int maxConnections, Duration handshakeTimeout, MediaStreams streams) throws IOException {
        this.bridge = bridge;
        this.streams = streams;
        this.app = new BridgeAgiApp(bridge, "relay", joins);
        this.handshakeTimeout = handshakeTimeout;
        ServerSocket server = new ServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(bind), port), 1024);
        } catch (IOException e) {
            server.close();
            throw new IOException("relay: cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
        GuardedAcceptor.Builder b = GuardedAcceptor.builder("relay", server, this::serve).maxConnections(maxConnections)
                .logger(log).logLimiter(limiter);
        if (allowList != null) b.allowFrom(allowList::allows);
        this.acceptor = b.start();
        log.info("relay listening on {}", LogText.address(bind, server.getLocalPort()));
    }

    /**
     * Starts listening ({@code port} 0: any free port, see {@link #port()}) with the default cap and deadline.
     *
     * @param joins where relay calls register their AudioSocket UUID, or null when AudioSocket is off
     * @param allowList hosts allowed to connect (null: anyone)
     */
    public static RelayIngress start(Bridge bridge, AudioSocketJoins joins, String bind, int port,
                                        AddressAllowList allowList) throws IOException {
        return start(bridge, joins, bind, port, allowList, DEFAULT_MAX_CONNECTIONS, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    /**
     * As above, with a connection cap and the deadline for a connection's first line (and a tunnel's AGI
     * environment after its greeting).
     */
    public static RelayIngress start(Bridge bridge, AudioSocketJoins joins, String bind, int port,
                                        AddressAllowList allowList, int maxConnections, Duration handshakeTimeout)
            throws IOException {
        return new RelayIngress(bridge, joins, bind, port, allowList, maxConnections, handshakeTimeout, MediaStreams.none());
    }

    /** As above; EAGI calls stream the caller's audio to their number's app ({@code stream.<number>}). */
    public static RelayIngress start(Bridge bridge, AudioSocketJoins joins, String bind, int port,
                                        AddressAllowList allowList, int maxConnections, Duration handshakeTimeout,
                                        MediaStreams streams) throws IOException {
        return new RelayIngress(bridge, joins, bind, port, allowList, maxConnections, handshakeTimeout, streams);
    }

    /** The bound port. */
    public int port() {
        return acceptor.port();
    }

    /** The listener's counters (accepted, refused by cap, allow-list and deadline, accept errors, open). */
    public ListenerStats stats() {
        return acceptor.stats();
    }

    private void serve(Socket socket) throws IOException {
        String peer = LogText.escape(socket.getRemoteSocketAddress());
        socket.setTcpNoDelay(true);
        socket.setKeepAlive(true);
        DeadlineInput deadline = new DeadlineInput(socket, handshakeTimeout);
        // reads ahead in chunks; the tunnel gets what was read past the greeting through lines.rest()
        LineReader lines = new LineReader(deadline, LineReader.Policy.lf(LegacyLine.MAX_LENGTH), 8192);
        String first;
        try {
            first = lines.readLine();
        } catch (SocketTimeoutException e) {
            acceptor.stats().countDeadlineMissed();
            limiter.warn(log, "relay no first line", "relay {}: no first line within {} ms; closed", peer,
                    handshakeTimeout.toMillis());
            return;
        } catch (IOException e) {
            log.warn("relay {}: {}", peer, LogText.escape(e.getMessage()));
            return;
        }
        deadline.disarm();
        if (first == null) {
            log.debug("relay {}: closed before its first line", peer);
        } else if (RelayProtocol.isGreeting(first)) {
            new RelayCall(app, peer, handshakeTimeout, acceptor.stats(), limiter, streams).run(socket, lines.rest());
        } else if (RelayProtocol.isOtherVersion(first)) {
            refuseVersion(socket, first, peer);
        } else if (!startsLegacyLine(first)) {
            // neither relay: e.g. a browser made to POST here, its body full of legacy lines. Never a call.
            limiter.warn(log, "relay no protocol", "relay {}: first line is neither {} nor an original relay line "
                    + "(id:…,event:…,value:…): '{}'; closed", peer, RelayProtocol.MAGIC, LogText.escape(first, 80));
        } else {
            new LegacyLineSession(bridge, peer).run(first, lines);
        }
    }

    /** Whether a first line is one the original per-call script sends (it always starts a connection so). */
    private static boolean startsLegacyLine(String first) {
        try {
            LegacyLine.parse(first);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A relay speaking another version of the tunnel: an END frame with the reason, then close. */
    private void refuseVersion(Socket socket, String greeting, String peer) {
        String reason = "unsupported relay protocol " + LogText.escape(greeting.strip(), 64) + ": this server speaks " + RelayProtocol.MAGIC
                + "; install bin/tinyphone-agi and the server from the same release";
        limiter.warn(log, "relay other version", "relay {}: refused: greeting '{}' is not {} (install bin/tinyphone-agi "
                + "and the server from the same release)", peer, LogText.escape(greeting), RelayProtocol.MAGIC);
        try {
            OutputStream out = socket.getOutputStream();
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            RelayProtocol.writeFrame(out, RelayProtocol.SERVER_END, r, 0, Math.min(r.length, 1000));
            out.flush();
        } catch (IOException e) {
            log.debug("relay {}: could not send END: {}", peer, LogText.escape(e));
        }
    }

    @Override
    public void close() {
        acceptor.close();
    }
}
