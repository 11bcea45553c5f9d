package org.tinyphone.server.clients;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.DeadlineInput;
import org.tinyphone.net.GuardedAcceptor;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LineReader;
import org.tinyphone.net.LogText;
import org.tinyphone.server.ServerStartException;
import org.tinyphone.server.access.Peer;
import org.tinyphone.server.config.ListenerConfig;

/**
 * TCP clients on one port (12002), two dialects told apart by the first line: {@code CONNECT,…} is the
 * original hub's dialect, a line starting with '{' is the native JSON-lines dialect. Anything else gets a
 * native error line and the connection waits for a proper first line. One reader virtual thread per connection
 * (plus the session's writer).
 *
 * <p>Accepting runs on the shared {@link GuardedAcceptor}: a connection over the cap ({@code clients.max-connections})
 * is closed at once, accept errors (out of descriptors) are retried with a backoff. A connection that has not chosen
 * its dialect within the handshake deadline ({@code listeners.handshake-timeout}) gets a native {@code error}
 * ({@code handshake_timeout}) and is closed; sessions that chose one live on.
 */
public final class TcpClientServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpClientServer.class);

    private static final LogLimiter LIMITER = new LogLimiter(5, Duration.ofSeconds(10));

    private final ClientSessions clientSessions;
    private final Duration handshakeTimeout;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final GuardedAcceptor acceptor;

    private TcpClientServer(ClientSessions clientSessions, ServerSocket server, int maxConnections, int maxPerAddress,
                            Duration handshakeTimeout) {
        this.clientSessions = clientSessions;
        this.handshakeTimeout = handshakeTimeout;
        this.acceptor = GuardedAcceptor.builder("clients", server, this::serve).maxConnections(maxConnections)
                .maxPerAddress(maxPerAddress).logger(log).logLimiter(LIMITER).threadPrefix("tinyphone-client-").start();
    }

    /**
     * Binds and starts accepting, with at most {@code maxConnections} connections open ({@code maxPerAddress} from one
     * other host) and {@code handshakeTimeout} for a connection to choose its dialect; a bind failure names the port
     * and the config keys.
     */
    public static TcpClientServer start(ClientSessions clientSessions, ListenerConfig listener, int maxConnections, int maxPerAddress,
                                        Duration handshakeTimeout) {
        ServerSocket s = null;
        try {
            s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(listener.bind()), listener.port()), 200);
        } catch (IOException e) {
            closeQuietly(s);
            throw ServerStartException.cannotListen(listener, e);
        }
        log.info("TCP clients on {}", LogText.address(s.getLocalSocketAddress()));
        return new TcpClientServer(clientSessions, s, maxConnections, maxPerAddress, handshakeTimeout);
    }

    public int port() { return acceptor.port(); }

    /** The listener's counters (accepted, refused by cap, closed without a dialect in time, accept errors, open). */
    public ListenerStats stats() { return acceptor.stats(); }

    private void serve(Socket socket) {
        ClientSession session = null;
        String remote = String.valueOf(socket.getRemoteSocketAddress());
        sockets.add(socket);
        try (socket) {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            DeadlineInput input = new DeadlineInput(socket, handshakeTimeout);
            LineReader reader = new LineReader(input, linePolicy(clientSessions.limits().maxLine()), READ_BUFFER);
            TcpTransport transport = new TcpTransport(socket, remote);
            Peer peer = Peer.of(socket.getInetAddress());
            String line;
            int unknown = 0;
            // the first line tells the dialect, within the handshake deadline
            while (session == null) {
                LineReader.Line next;
                try {
                    next = reader.next();
                } catch (SocketTimeoutException e) {
                    handshakeMissed(transport, remote);
                    return;
                }
                if (next instanceof LineReader.End) return;
                if (next instanceof LineReader.TooLong) {
                    transport.writeNow(NativeCodec.error(null, "line_too_long",
                            "first message longer than " + clientSessions.limits().maxLine() + " bytes ignored") + "\n");
                    continue;
                }
                line = ((LineReader.Text) next).text();
                String head = line.strip();
                if (head.isEmpty()) continue;
                if (HTTP_REQUEST.matcher(head).lookingAt()) {
                    // a browser (or a page making one send a form here, to smuggle JSON lines in its body): never a client
                    LIMITER.warn(log, "clients http", "TCP client {}: sent an HTTP request ({}); answered 400 and closed",
                            LogText.escape(remote), LogText.escape(head, 60));
                    transport.writeNow(WRONG_PORT_RESPONSE);
                    return;
                }
                if (head.startsWith("CONNECT") || head.startsWith("{")) {
                    sockets.remove(socket); // from now on the session (and ClientSessions.closeAll) owns it
                    input.disarm();         // and lives as long as it likes
                }
                if (head.startsWith("CONNECT")) {
                    OriginalSession original = new OriginalSession(clientSessions, transport, peer);
                    original.start();
                    session = original;
                    original.handleLine(line);
                } else if (head.startsWith("{")) {
                    NativeSession nat = new NativeSession(clientSessions, transport, ClientSessions.TCP, true, peer);
                    nat.start();
                    session = nat;
                    nat.handleText(stripCr(line));
                } else if (++unknown >= MAX_UNKNOWN_FIRST_LINES) {
                    transport.writeNow(NativeCodec.error(null, "unknown_dialect", "no dialect after "
                            + MAX_UNKNOWN_FIRST_LINES + " lines; closing") + "\n");
                    LIMITER.warn(log, "clients no dialect", "TCP client {}: {} lines in no dialect; closed",
                            LogText.escape(remote), MAX_UNKNOWN_FIRST_LINES);
                    return;
                } else {
                    transport.writeNow(NativeCodec.error(null, "unknown_dialect", "the first line must be "
                            + "CONNECT,<client id>,<number>,NULL|CR (original dialect) or a JSON message (native dialect)") + "\n");
                }
            }
            for (LineReader.Line next; !((next = reader.next()) instanceof LineReader.End); ) {
                String text = next instanceof LineReader.Text t ? t.text() : null; // null: too long, skipped
                if (session instanceof OriginalSession original) {
                    original.handleLine(text);
                } else if (session instanceof NativeSession nat) {
                    if (text == null) nat.lineTooLong();
                    else nat.handleText(stripCr(text));
                }
                if (session.finished()) break;
            }
            session.finish("client closed the connection");
        } catch (IOException e) {
            if (session != null) session.finish("read failed: " + e.getMessage());
            log.debug("TCP client {}: {}", remote, e.toString());
        } finally {
            sockets.remove(socket);
        }
    }

    /** An HTTP request line: {@code GET / HTTP/1.1} and the like. */
    private static final java.util.regex.Pattern HTTP_REQUEST =
            java.util.regex.Pattern.compile("[A-Z]{3,10} \\S+ HTTP/\\d");
    /** Lines in no dialect a connection may send before it is closed. */
    static final int MAX_UNKNOWN_FIRST_LINES = 3;
    /** Read buffer per client connection. */
    private static final int READ_BUFFER = 8192;

    /**
     * How a client's lines end: LF or NUL (both end a line in the original hub's dialect; a CR is left for each
     * dialect to judge), at most {@code maxLine} bytes; a longer line is skipped to its end and stands as
     * {@link LineReader.TooLong}, and the connection goes on.
     */
    static LineReader.Policy linePolicy(int maxLine) {
        return new LineReader.Policy(true, false, maxLine, LineReader.Overflow.SKIP_LINE);
    }
    private static final String WRONG_PORT_TEXT = "This is Tinyphone's TCP client port (the original hub's dialect and"
            + " native JSON lines, docs/protocol.md). The web page and the WebSocket are on the HTTP port (12003 by"
            + " default).\n";
    private static final String WRONG_PORT_RESPONSE = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8"
            + "\r\nConnection: close\r\nContent-Length: " + WRONG_PORT_TEXT.length() + "\r\n\r\n" + WRONG_PORT_TEXT;

    /** No dialect chosen in time: a native error line says why (best effort), then the connection is closed. */
    private void handshakeMissed(TcpTransport transport, String remote) {
        acceptor.stats().countDeadlineMissed();
        LIMITER.warn(log, "clients no dialect", "TCP client {}: no first line choosing a dialect within {} ms; closed",
                LogText.escape(remote), handshakeTimeout.toMillis());
        try {
            transport.writeNow(NativeCodec.error(null, "handshake_timeout", "no first line (CONNECT,... or a JSON message) "
                    + "within " + handshakeTimeout.toMillis() + " ms; closing") + "\n");
        } catch (IOException e) {
            // gone already
        }
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    /** Stops accepting new clients (connected ones stay). */
    public void stopAccepting() {
        acceptor.stopAccepting();
    }

    @Override
    public void close() {
        stopAccepting();
        // sessions are closed politely by the clientSessions; connections that never chose a dialect go now
        for (Socket s : sockets) {
            try {
                s.shutdownInput();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    private static void closeQuietly(ServerSocket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** A socket as a session transport. */
    static final class TcpTransport implements Transport {
        private final Socket socket;
        private final OutputStream out;
        private final String remote;
        private final ReentrantLock lock = new ReentrantLock();

        TcpTransport(Socket socket, String remote) throws IOException {
            this.socket = socket;
            this.out = new BufferedOutputStream(socket.getOutputStream(), 8192);
            this.remote = remote;
        }

        @Override
        public void write(byte[] message) throws IOException {
            lock.lock();
            try {
                out.write(message);
            } finally {
                lock.unlock();
            }
        }

        /** Before a session exists (dialect not known yet): write and flush at once. */
        void writeNow(String message) throws IOException {
            write(message.getBytes(StandardCharsets.UTF_8));
            flush();
        }

        @Override
        public void flush() throws IOException {
            lock.lock();
            try {
                out.flush();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close(String reason) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        @Override
        public String remote() { return remote; }
    }
}
