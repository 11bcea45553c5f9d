package org.tinyphone.audio.audiosocket;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts Asterisk's {@code AudioSocket(<uuid>,host:port)} connections: one virtual thread per connection,
 * which waits for the UUID frame and then runs the {@link AudioSocketHandler} with the session.
 *
 * <pre>
 * AudioSocketServer server = AudioSocketServer.builder()
 *         .port(12004)                     // 0: any free port, see port()
 *         .handler(session -&gt; { ... session.next(timeout) ... })
 *         .start();
 * </pre>
 * Binds to 127.0.0.1 by default. With {@link Builder#allow}, connections from other addresses are closed at once.
 */
public final class AudioSocketServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AudioSocketServer.class);

    /** The port Tinyphone uses for AudioSocket by default. */
    public static final int DEFAULT_PORT = 12004;

    private final ServerSocket serverSocket;
    private final AudioSocketHandler handler;
    private final Set<InetAddress> allowed;
    private final Duration uuidTimeout;
    private final int maxPayload;
    private final int maxConnections;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closing;

    private AudioSocketServer(Builder b) throws IOException {
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.allowed = Set.copyOf(b.allowed);
        this.uuidTimeout = b.uuidTimeout;
        this.maxPayload = b.maxPayload;
        this.maxConnections = b.maxConnections;
        this.serverSocket = new ServerSocket();
        serverSocket.setReuseAddress(true);
        serverSocket.bind(new InetSocketAddress(b.bindAddress, b.port), b.backlog);
        this.acceptor = Thread.ofVirtual().name("audiosocket-accept-" + port()).unstarted(this::acceptLoop);
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
        return open.size();
    }

    /** Connections accepted / turned away (allow-list, limit) since start. */
    public long acceptedConnections() {
        return accepted.get();
    }

    public long rejectedConnections() {
        return rejected.get();
    }

    private AudioSocketServer start() {
        acceptor.start();
        log.info("AudioSocket server listening on {}", address());
        return this;
    }

    private void acceptLoop() {
        while (!closing) {
            Socket s;
            try {
                s = serverSocket.accept();
            } catch (IOException e) {
                if (!closing) log.warn("AudioSocket accept failed: {}", e.toString());
                if (serverSocket.isClosed()) return;
                continue;
            }
            InetAddress peer = s.getInetAddress();
            if (!allowed.isEmpty() && !allowed.contains(peer)) {
                rejected.incrementAndGet();
                log.warn("AudioSocket connection from {} refused: not in the allow-list", peer.getHostAddress());
                closeQuietly(s);
                continue;
            }
            if (open.size() >= maxConnections) {
                rejected.incrementAndGet();
                log.warn("AudioSocket connection from {} refused: {} connections open (limit)", peer.getHostAddress(), open.size());
                closeQuietly(s);
                continue;
            }
            accepted.incrementAndGet();
            open.add(s);
            Thread.ofVirtual().name("audiosocket-" + s.getRemoteSocketAddress()).start(() -> serve(s));
        }
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
            log.debug("AudioSocket connection {} ended: {}", s.getRemoteSocketAddress(), e.toString());
        } finally {
            open.remove(s);
        }
    }

    /** Waits for the first frame, which must be the UUID; null (logged) otherwise. */
    private UUID readUuid(Socket s, AudioSocketCodec.Decoder decoder) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[512];
        long deadline = System.nanoTime() + uuidTimeout.toNanos();
        try {
            while (true) {
                AudioSocketFrame f = decoder.next();
                if (f != null) {
                    if (f.type() == AudioSocketFrame.UUID_TYPE) return f.uuid();
                    log.warn("AudioSocket connection from {} closed: the first frame must be the UUID, got {}",
                            s.getRemoteSocketAddress(), f);
                    return null;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new SocketTimeoutException();
                s.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n = in.read(buf);
                if (n < 0) {
                    log.debug("AudioSocket connection from {} closed before its UUID", s.getRemoteSocketAddress());
                    return null;
                }
                decoder.feed(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            log.warn("AudioSocket connection from {} closed: no UUID frame within {} ms", s.getRemoteSocketAddress(),
                    uuidTimeout.toMillis());
        } catch (AudioSocketProtocolException e) {
            log.warn("AudioSocket connection from {} closed: {}", s.getRemoteSocketAddress(), e.getMessage());
        }
        return null;
    }

    /** Stops accepting and closes every open connection (Asterisk's AudioSocket() applications end). */
    @Override
    public void close() {
        closing = true;
        closeQuietly(serverSocket);
        for (Socket s : open) closeQuietly(s);
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Settings of an {@link AudioSocketServer}. */
    public static final class Builder {
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int port = DEFAULT_PORT;
        private int backlog = 200;
        private AudioSocketHandler handler;
        private final java.util.Set<InetAddress> allowed = new java.util.HashSet<>();
        private Duration uuidTimeout = Duration.ofSeconds(5);
        private int maxPayload = AudioSocketCodec.DEFAULT_MAX_PAYLOAD;
        private int maxConnections = 10_000;

        private Builder() {}

        /** The address to listen on (default 127.0.0.1; open it up together with {@link #allow}). */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address);
            return this;
        }

        /** The port (default 12004; 0 = any free port). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port);
            this.port = port;
            return this;
        }

        /** Only these peers may connect (default: anyone who can reach the bind address). */
        public Builder allow(Collection<InetAddress> peers) {
            allowed.addAll(peers);
            return this;
        }

        public Builder allow(InetAddress... peers) {
            return allow(java.util.List.of(peers));
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

        /** Connections open at once before new ones are turned away (default 10000). */
        public Builder maxConnections(int n) {
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
