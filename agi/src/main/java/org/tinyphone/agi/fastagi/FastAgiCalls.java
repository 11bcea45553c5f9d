package org.tinyphone.agi.fastagi;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.AgiProtocolException;
import org.tinyphone.agi.StreamAgiChannel;
import org.tinyphone.net.DeadlineInput;
import org.tinyphone.net.LogText;

/**
 * A {@link FastAgiServer}'s calls, each from accept to close: socket options, the environment under one deadline,
 * the route to its app (or the refusal), the app's run and its errors, and the close Asterisk expects.
 */
final class FastAgiCalls {
    private static final Logger log = LoggerFactory.getLogger(FastAgiServer.class);   // the server's log, as before the split

    private final FastAgiConfig cfg;
    private final Runnable deadlineMissed;
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean closing;

    /** {@code deadlineMissed} counts a call that sent no complete environment in time (in the listener's stats). */
    FastAgiCalls(FastAgiConfig cfg, Runnable deadlineMissed) {
        this.cfg = cfg;
        this.deadlineMissed = deadlineMissed;
    }

    /** Calls that ended with an app error or a protocol error (or sent no environment in time). */
    long failures() { return failures.get(); }

    /** The server is closing: a call's connection failing now is not worth a log line. */
    void closing() { closing = true; }

    /** Serves one accepted call to its end (the acceptor runs it on the call's own virtual thread). */
    void serve(Socket s) {
        // per call: 2 setsockopt (TCP_NODELAY, SO_KEEPALIVE; 5 with keepAliveTimers), no timer task, no
        // address formatting unless something is logged
        StreamAgiChannel ch = null;
        try {
            s.setTcpNoDelay(true);
            keepAlive(s);
            nonBlockingNow(s);
            CallInput in = new CallInput(s, cfg.environmentTimeoutMs());
            try {
                ch = StreamAgiChannel.open(in, s.getOutputStream(), cfg.maxLineLength());
            } catch (AgiProtocolException e) {
                failures.incrementAndGet();
                log.warn("FastAGI connection from {} refused: {}", s.getRemoteSocketAddress(), LogText.escape(e.getMessage()));
                return;
            } catch (SocketTimeoutException e) {
                failures.incrementAndGet();
                deadlineMissed.run();
                log.warn("FastAGI connection from {} sent no complete AGI environment within {} ms; closed",
                        s.getRemoteSocketAddress(), cfg.environmentTimeoutMs());
                return;
            } catch (IOException e) {
                failures.incrementAndGet();
                log.debug("FastAGI connection from {} failed before its environment: {}", s.getRemoteSocketAddress(), e.toString());
                return;
            }
            in.disarm();
            s.setSoTimeout(cfg.replyTimeoutMs());
            String path = ch.environment().scriptPath();
            AgiApp app = cfg.routes().find(path);
            if (app == null) app = cfg.fallback();
            if (app == null) {
                refuse(ch, path);
                return;
            }
            run(app, ch, path);
        } catch (IOException e) {
            if (!closing) log.debug("FastAGI connection from {} failed: {}", s.getRemoteSocketAddress(), e.toString());
        } finally {
            finish(s, ch);
        }
    }

    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    /**
     * Puts a call's socket in the non-blocking mode a virtual thread's blocking I/O uses, for good. Without
     * this, each timed read of a SocketChannel (the environment's) switches the socket to non-blocking and back:
     * four more {@code fcntl} per call. An empty write does it and writes nothing.
     */
    private static void nonBlockingNow(Socket s) throws IOException {
        SocketChannel ch = s.getChannel();
        if (ch != null && Thread.currentThread().isVirtual()) ch.write(NOTHING.duplicate());
    }

    /**
     * A call's input: one deadline for the whole environment, however slowly its lines drip in
     * ({@link DeadlineInput}); once it is disarmed, a yield before each read, then a plain pass-through. Used by
     * the call's own thread only.
     */
    private static final class CallInput extends DeadlineInput {
        CallInput(Socket socket, int timeoutMs) throws IOException {
            super(socket, Duration.ofMillis(timeoutMs));
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!armed()) {
                // We only read when the last command's reply (or more of it) is needed, and Asterisk cannot have
                // answered yet. Letting the other calls run first means that under load the reply is usually
                // there when we read, instead of read -> EAGAIN -> epoll_ctl -> park -> poller -> unpark; with
                // nothing else to run, yield returns at once and the read parks as before.
                // Measured: docs/performance.md, "FastAGI with the single-selector load generator", "Changed in agi, last".
                Thread.yield();
            }
            return super.read(b, off, len);
        }
    }

    static final boolean KEEPALIVE_TIMERS_SUPPORTED = keepAliveTimersSupported();

    private static boolean keepAliveTimersSupported() {
        try (Socket probe = new Socket()) {
            return probe.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * TCP keepalive, so a call whose Asterisk host vanished without a FIN ends even while the app waits without
     * a reply timeout: SO_KEEPALIVE always, with the system's timers (Linux: 2 h idle, then 9 probes 75 s apart)
     * unless the builder set {@link FastAgiServer.Builder#keepAliveTimers}.
     */
    private void keepAlive(Socket s) {
        try {
            s.setKeepAlive(true);
            int[] t = cfg.keepAliveTimers();
            if (t != null && KEEPALIVE_TIMERS_SUPPORTED) {
                s.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, t[0]);
                s.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, t[1]);
                s.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, t[2]);
            }
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("TCP keepalive not available: {}", e.toString());
        }
    }

    private void refuse(StreamAgiChannel ch, String path) {
        log.warn("FastAGI: no app for script path '{}' (request {}, channel {}); closed so the dialplan continues. Known: {}",
                LogText.escape(path), LogText.escape(ch.environment().request()),
                LogText.escape(ch.environment().channel()), cfg.routes().describe());
        try {
            String shown = path.replaceAll("\\p{Cntrl}", "?");
            ch.verbose("Tinyphone FastAGI: no app for path " + shown + " - the dialplan continues", 1);
        } catch (RuntimeException e) {
            log.debug("could not send the refusal VERBOSE for {}: {}", LogText.escape(path), LogText.escape(e.getMessage()));
        }
    }

    private void run(AgiApp app, StreamAgiChannel ch, String path) {
        try {
            app.run(ch);
            if (log.isDebugEnabled()) log.debug("AGI app {} on {} ended", LogText.escape(path), channel(ch));
        } catch (AgiHangupException e) {
            if (log.isDebugEnabled()) {
                log.debug("AGI app {} on {}: caller hung up ({})", LogText.escape(path), channel(ch),
                        LogText.escape(e.getMessage()));
            }
        } catch (AgiProtocolException e) {
            failures.incrementAndGet();
            log.warn("AGI app {} on {}: protocol error: {}", LogText.escape(path), channel(ch), LogText.escape(e.getMessage()));
        } catch (Throwable t) {
            failures.incrementAndGet();
            log.error("AGI app {} on {} failed", LogText.escape(path), channel(ch), t);
            if (!ch.isEnded()) {
                try {
                    ch.verbose("Tinyphone FastAGI: app " + path + " failed: " + t.getClass().getSimpleName(), 1);
                } catch (RuntimeException ignored) {
                    // best effort: the call is ending anyway
                }
            }
            if (t instanceof VirtualMachineError vme && !(t instanceof StackOverflowError)) throw vme;
        }
    }

    private static String channel(StreamAgiChannel ch) {
        return LogText.escape(ch.environment().channel());
    }

    /**
     * Ends a call the way Asterisk expects. When Asterisk has nothing more to send before our close (its
     * {@code HANGUP} notice was read, or it closed: {@link StreamAgiChannel#isInputFinished()}), close at once:
     * a plain FIN. Otherwise half-close (FIN), read what Asterisk still sends (its HANGUP line) until it closes,
     * then close: a plain close with unread input would reset the connection.
     */
    private void finish(Socket s, StreamAgiChannel ch) {
        try {
            if (!s.isClosed() && (ch == null || !ch.isInputFinished())) {
                s.shutdownOutput();
                s.setSoTimeout(cfg.drainMs());
                InputStream in = s.getInputStream();
                byte[] sink = new byte[256];
                int total = 0;
                while (total < 64 * 1024) {
                    int r = in.read(sink);
                    if (r < 0) break;
                    total += r;
                }
            }
        } catch (IOException ignored) {
            // timeout or reset while draining: close anyway
        } finally {
            closeQuietly(s); // the acceptor counts the call as ended when serve returns
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing left to do
        }
    }
}
