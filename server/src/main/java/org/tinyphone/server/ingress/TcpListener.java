package org.tinyphone.server.ingress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.server.config.AddressAllowList;

/**
 * A TCP listener for Asterisk-side connections: one virtual thread accepts, one virtual thread per connection runs
 * the handler. Peers not on the allow-list are logged and closed at once. {@link #close()} stops accepting and
 * closes every open connection (their handlers end on the resulting I/O error).
 */
final class TcpListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpListener.class);

    private final String name;
    private final ServerSocket server;
    private final AddressAllowList allowList;
    private final Consumer<Socket> handler;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private TcpListener(String name, ServerSocket server, AddressAllowList allowList, Consumer<Socket> handler) {
        this.name = name;
        this.server = server;
        this.allowList = allowList;
        this.handler = handler;
    }

    static TcpListener start(String name, String bind, int port, AddressAllowList allowList, Consumer<Socket> handler)
            throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName(bind), port), 1024);
        } catch (IOException e) {
            server.close();
            throw new IOException(name + ": cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
        TcpListener listener = new TcpListener(name, server, allowList, handler);
        Thread.ofVirtual().name(name + "-accept").start(listener::acceptLoop);
        log.info("{} listening on {}:{}", name, bind, server.getLocalPort());
        return listener;
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.error("{}: accept failed: {}", name, e.toString());
                }
                return;
            }
            InetAddress from = socket.getInetAddress();
            if (allowList != null && !allowList.allows(from)) {
                log.warn("{}: refused connection from {} (not in the allow-list {})", name, from.getHostAddress(),
                        allowList);
                closeQuietly(socket);
                continue;
            }
            open.add(socket);
            Thread.ofVirtual().name(name + " " + socket.getRemoteSocketAddress()).start(() -> {
                try {
                    handler.accept(socket);
                } catch (RuntimeException e) {
                    log.error("{}: connection from {} failed", name, socket.getRemoteSocketAddress(), e);
                } finally {
                    open.remove(socket);
                    closeQuietly(socket);
                }
            });
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
