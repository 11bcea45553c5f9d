package org.tinyphone.audio.audiosocket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.DeadlineInput;
import org.tinyphone.net.GuardedAcceptor;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogText;

/**
 * Accepts Asterisk's {@code AudioSocket(<uuid>,host:port)} connections: one virtual thread per connection,
 * which waits for the UUID frame and then runs the {@link AudioSocketHandler} with the session.
 *
 * <pre>
 * AudioSocketServer server = AudioSocketServer.builder()
 *         .port(9092)                     // 0: any free port, see port()
 *         .handler(session -&gt; { ... session.next(timeout) ... })
 *         .start();
 * </pre>
 * Binds to 127.0.0.1 by default. Accepting runs on the shared {@link GuardedAcceptor}: with
 * {@link Builder#allowFrom}, connections from other addresses are closed at accept, before their first frame is
 * read; connections over {@link Builder#maxConnections} are closed at once; accept errors (out of descriptors) are
 * retried with a backoff. {@link #stats()} counts it all.
 */
public final class AudioSocketServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AudioSocketServer.class);

    /** The port Tinyphone uses for AudioSocket by default. */
    public static final int DEFAULT_PORT = 9092;

    private final ServerSocket serverSocket;
    private final AudioSocketHandler handler;
    private final Predicate<InetAddress> allow;
    private final Duration uuidTimeout;
    private final int maxPayload;
    private final int maxConnections;
    private GuardedAcceptor acceptor;

    private AudioSocketServer(Builder b) throws IOException {
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.allow = b.allow;
        this.uuidTimeout = b.uuidTimeout;
        this.maxPayload = b.maxPayload;
        this.maxConnections = b.maxConnections;
        this.serverSocket = new ServerSocket();
        try {
            serverSocket.setReuseAddress(true);
            serverSocket.bind(new InetSocketAddress(b.bindAddress, b.port), b.backlog);
        } catch (IOException e) {
            serverSocket.close();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    /** Connections open right now. */
    public int openConnections() {
        return acceptor.openConnections();
    }

    /**
     * The listener's counters: accepted, refused by the allow-list or the cap, closed without a UUID frame in time,
     * accept errors, open now.
     */
    public ListenerStats stats() {
        return acceptor.stats();
    }

    private AudioSocketServer start() {
        acceptor = GuardedAcceptor.builder("audiosocket", serverSocket, this::serve).allowFrom(allow)
                .maxConnections(maxConnections).logger(log).start();
        log.info("AudioSocket server listening on {}", LogText.address(address()));
        return this;
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            AudioSocketCodec.Decoder decoder = new AudioSocketCodec.Decoder(maxPayload);
            UUID uuid = readUuid(s, decoder);
            if (uuid == null) return;
            AudioSocketSession session = new AudioSocketSession(s, uuid, decoder);
            try {
                handler.handle(session);
            } catch (Exception e) {
                log.warn("AudioSocket handler for {} failed: {}", uuid, e.toString(), e);
            } finally {
                session.close();
            }
        } catch (IOException e) {
            log.debug("AudioSocket connection {} ended: {}", s.getRemoteSocketAddress(), LogText.escape(e));
        }
    }

    /** Waits for the first frame, which must be the UUID; null (logged) otherwise. */
    private UUID readUuid(Socket s, AudioSocketCodec.Decoder decoder) throws IOException {
        DeadlineInput in = new DeadlineInput(s, uuidTimeout);
        byte[] buf = new byte[512];
        try {
            while (true) {
                AudioSocketFrame f = decoder.next();
                if (f != null) {
                    if (f.type() == AudioSocketFrame.UUID_TYPE) {
                        in.disarm();
                        return f.uuid();
                    }
                    log.warn("AudioSocket connection from {} closed: the first frame must be the UUID, got {}",
                            s.getRemoteSocketAddress(), LogText.escape(f));
                    return null;
                }
                int n = in.read(buf);
                if (n < 0) {
                    log.debug("AudioSocket connection from {} closed before its UUID", s.getRemoteSocketAddress());
                    return null;
                }
                decoder.feed(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            acceptor.stats().countDeadlineMissed();
            log.warn("AudioSocket connection from {} closed: no UUID frame within {} ms", s.getRemoteSocketAddress(),
                    uuidTimeout.toMillis());
        } catch (AudioSocketProtocolException e) {
            log.warn("AudioSocket connection from {} closed: {}", s.getRemoteSocketAddress(), LogText.escape(e.getMessage()));
        }
        return null;
    }

    /** Stops accepting and closes every open connection (Asterisk's AudioSocket() applications end). */
    @Override
    public void close() {
        if (acceptor != null) acceptor.close();
    }

    /** Settings of an {@link AudioSocketServer}. */
    public static final class Builder {
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int port = DEFAULT_PORT;
        private int backlog = 200;
        private AudioSocketHandler handler;
        private Predicate<InetAddress> allow = a -> true;
        private Duration uuidTimeout = Duration.ofSeconds(5);
        private int maxPayload = AudioSocketCodec.DEFAULT_MAX_PAYLOAD;
        private int maxConnections = 10_000;

        private Builder() {}

        /** The address to listen on (default 127.0.0.1; open it up together with {@link #allow}). */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address);
            return this;
        }

        /** The port (default 9092; 0 = any free port). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port);
            this.port = port;
            return this;
        }

        /**
         * Which peers may connect (default: anyone who can reach the bind address); others are closed at accept,
         * before their first frame is read, e.g. {@code allowFrom(InetAddress::isLoopbackAddress)}.
         */
        public Builder allowFrom(Predicate<InetAddress> allow) {
            this.allow = Objects.requireNonNull(allow, "allow");
            return this;
        }

        /** How long a new connection may take to send its UUID frame (default 5 s). */
        public Builder uuidTimeout(Duration timeout) {
            this.uuidTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** The largest frame payload accepted (default 16384 bytes). */
        public Builder maxPayload(int bytes) {
            this.maxPayload = bytes;
            return this;
        }

        /** Connections open at once; one more is closed at once, counted and logged (default 10000). */
        public Builder maxConnections(int n) {
            if (n < 1) throw new IllegalArgumentException("maxConnections must be at least 1: " + n);
            this.maxConnections = n;
            return this;
        }

        public Builder handler(AudioSocketHandler handler) {
            this.handler = handler;
            return this;
        }

        /** Binds and starts accepting. */
        public AudioSocketServer start() throws IOException {
            return new AudioSocketServer(this).start();
        }
    }
}
