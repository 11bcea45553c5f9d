package org.tinyphone.sim.ami;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake Asterisk Manager Interface on a real loopback socket (port 0 = ephemeral). Each accepted connection
 * runs {@link Handler} on its own virtual thread: an {@link AsteriskSimulator}, a {@link TranscriptReplay}, or
 * a test's own script. {@link #restart()} drops every connection and rebinds the same port, like an Asterisk
 * restart; {@link #down()}/{@link #up()} keep it away for a while.
 */
public final class FakeAmiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FakeAmiServer.class);

    /** Serves one client connection; the session is closed when this returns. */
    @FunctionalInterface
    public interface Handler {
        void serve(FakeAmiSession session) throws Exception;
    }

    private final Handler handler;
    private final List<FakeAmiSession> sessions = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile ServerSocket server;
    private volatile int port;
    private volatile boolean closed;

    private FakeAmiServer(Handler handler) { this.handler = handler; }

    /** Starts on an ephemeral loopback port. */
    public static FakeAmiServer start(Handler handler) throws IOException {
        FakeAmiServer s = new FakeAmiServer(handler);
        s.bind(0);
        return s;
    }

    private void bind(int p) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
        server = ss;
        port = ss.getLocalPort();
        Thread.ofVirtual().name("fake-ami-accept-" + port).start(() -> acceptLoop(ss));
    }

    private void acceptLoop(ServerSocket ss) {
        while (!ss.isClosed()) {
            Socket s;
            try {
                s = ss.accept();
            } catch (IOException e) {
                return;
            }
            if (ss.isClosed() || server != ss) {
                // down() closed the listener while accept() was already completing: a real Asterisk that is
                // down accepts nothing, so neither do we (a reconnecting client must not get in).
                try {
                    s.close();
                } catch (IOException ignored) {
                    // gone
                }
                return;
            }
            accepted.incrementAndGet();
            Thread.ofVirtual().name("fake-ami-session").start(() -> {
                FakeAmiSession session = null;
                try {
                    session = new FakeAmiSession(s);
                    sessions.add(session);
                    handler.serve(session);
                } catch (Exception e) {
                    log.debug("fake AMI session ended: {}", e.toString());
                } finally {
                    if (session != null) {
                        session.close();
                        sessions.remove(session);
                    } else {
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // gone
                        }
                    }
                }
            });
        }
    }

    public int port() { return port; }

    /** How many connections were accepted so far. */
    public int connectionCount() { return accepted.get(); }

    /** Open sessions. */
    public List<FakeAmiSession> sessions() { return List.copyOf(sessions); }

    /** Stops listening and drops every connection (Asterisk went away). */
    public void down() {
        ServerSocket ss = server;
        if (ss != null) {
            try {
                ss.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        for (FakeAmiSession s : sessions) s.close();
    }

    /** Listens again on the same port. */
    public void up() throws IOException {
        if (closed) throw new IllegalStateException("closed");
        IOException last = null;
        for (int i = 0; i < 50; i++) {
            try {
                bind(port);
                return;
            } catch (IOException e) {
                last = e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", ie);
                }
            }
        }
        throw last;
    }

    /** Drops every connection and listens again on the same port. */
    public void restart() throws IOException {
        down();
        up();
    }

    @Override
    public void close() {
        closed = true;
        down();
    }
}
