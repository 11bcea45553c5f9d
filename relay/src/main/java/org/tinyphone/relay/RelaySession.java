package org.tinyphone.relay;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.audio.level.LevelMeter;

/**
 * The server's end of one {@code bin/tinyphone-agi} tunnel (see {@link RelayProtocol}).
 *
 * <p>Give it the accepted socket and the stream positioned just after the {@code TINYPHONE-RELAY/1} line; it
 * starts one virtual thread that reads the tunnel and offers:
 * <ul>
 *   <li>{@link #agiInput()} / {@link #agiOutput()}: the AGI session as a plain byte stream pair, for
 *       {@code StreamAgiChannel.open(in, out)}. The input starts with the AGI environment. When the relay
 *       reports SIGHUP, a bare {@code HANGUP} line is inserted at the next line boundary, as FastAGI does.
 *       The input ends (EOF) when the relay is gone;</li>
 *   <li>the caller's audio and its level to a {@link RelayListener}, plus hangup and end.</li>
 * </ul>
 * {@link #close()} tells the relay to finish (it exits 0 and the dialplan continues) and closes the socket. The two
 * AGI streams are {@link RelayAgiInput} and {@link RelayAgiOutput}.
 */
public final class RelaySession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelaySession.class);
    /** Unread AGI input above this is a protocol violation (Asterisk only answers what we ask). */
    static final int MAX_BUFFERED_AGI = 1 << 20;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final RelayListener listener;
    private final LevelMeter meter;
    private final boolean hangupLine;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final RelayAgiInput agiInput = new RelayAgiInput(MAX_BUFFERED_AGI, this::close);
    private final RelayAgiOutput agiOutput = new RelayAgiOutput(writeLock, new RelayAgiOutput.Tunnel() {
        @Override
        public void send(byte[] b, int off, int len) throws IOException {
            if (ended.get()) throw new IOException("relay tunnel closed: " + endReason);
            sendFrame(RelayProtocol.AGI_OUT, b, off, len);
        }

        @Override
        public void close() {
            RelaySession.this.close();
        }
    });
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean hungUp;
    private volatile String endReason;
    private volatile String localCloseReason; // set before END goes out, so the relay's reaction does not win
    private final Thread reader;
    private volatile long audioBytes; // written by the reader thread only
    private long listenerFailures;     // reader thread only

    private RelaySession(Socket socket, InputStream in, RelayListener listener, boolean hangupLine) throws IOException {
        this.socket = socket;
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 8192);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 8192);
        this.listener = listener;
        this.meter = new LevelMeter(listener::level);
        this.hangupLine = hangupLine;
        socket.setTcpNoDelay(true);
        socket.setKeepAlive(true);
        this.reader = Thread.ofVirtual().name("relay-" + socket.getRemoteSocketAddress()).unstarted(this::readLoop);
    }

    /**
     * Starts a session on a connection whose greeting line was already read.
     *
     * @param socket the accepted connection (the session closes it when done)
     * @param afterGreeting the connection's input positioned just after {@code TINYPHONE-RELAY/1\n}; pass the
     *                      same buffered stream used to read the greeting so no bytes are lost
     * @param listener audio, level, hangup and end callbacks
     */
    public static RelaySession open(Socket socket, InputStream afterGreeting, RelayListener listener) throws IOException {
        return open(socket, afterGreeting, listener, true);
    }

    /** As {@link #open(Socket, InputStream, RelayListener)}; {@code hangupLine=false} leaves out the inserted HANGUP line. */
    public static RelaySession open(Socket socket, InputStream afterGreeting, RelayListener listener, boolean hangupLine)
            throws IOException {
        RelaySession s = new RelaySession(Objects.requireNonNull(socket, "socket"),
                Objects.requireNonNull(afterGreeting, "afterGreeting"), Objects.requireNonNull(listener, "listener"), hangupLine);
        s.reader.start();
        return s;
    }

    /**
     * Reads a connection's first line (up to LF, at most 200 bytes) byte by byte, so nothing after it is
     * consumed; {@code null} if the stream ends first or the line is longer. Use it to tell the relay
     * ({@link RelayProtocol#isGreeting}) from the original hub's {@code id:...} lines.
     */
    public static String readFirstLine(InputStream in) throws IOException {
        return readFirstLine(in, 200);
    }

    /** As {@link #readFirstLine(InputStream)} with another limit (a legacy line with many arguments is longer). */
    public static String readFirstLine(InputStream in, int maxBytes) throws IOException {
        StringBuilder line = new StringBuilder(32);
        for (int i = 0; i < maxBytes; i++) {
            int b = in.read();
            if (b < 0) return null;
            if (b == '\n') return line.toString();
            line.append((char) b);
        }
        return null;
    }

    /** AGI bytes from Asterisk: the environment, then replies (EOF when the relay is gone). */
    public InputStream agiInput() {
        return agiInput;
    }

    /** AGI bytes to Asterisk: commands. {@code write(byte[],..)} sends at once; single bytes go at LF or flush. */
    public OutputStream agiOutput() {
        return agiOutput;
    }

    /** Whether the relay reported SIGHUP. */
    public boolean isHungUp() {
        return hungUp;
    }

    /** Whether the relay is still connected. */
    public boolean isOpen() {
        return !ended.get();
    }

    /** Why the session ended, or null while open. */
    public String endReason() {
        return endReason;
    }

    /** Audio bytes received so far. */
    public long audioBytes() {
        return audioBytes;
    }

    /** Waits up to {@code timeout} for the relay to go; true if it has. */
    public boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
        return reader.join(java.time.Duration.ofNanos(unit.toNanos(timeout)));
    }

    /** Ends the call's relay: it exits 0 and the dialplan continues. Idempotent. */
    @Override
    public void close() {
        close("server ended the call");
    }

    /** Ends the call's relay with a reason it may log. Idempotent. */
    public void close(String reason) {
        if (localCloseReason == null) localCloseReason = reason;
        if (!ended.get()) {
            try {
                byte[] r = reason.getBytes(StandardCharsets.UTF_8);
                sendFrame(RelayProtocol.SERVER_END, r, 0, Math.min(r.length, 1000));
            } catch (IOException e) {
                log.debug("relay already gone: {}", e.toString());
            }
        }
        end(reason);
    }

    private void readLoop() {
        String reason = "relay closed the connection";
        try {
            while (true) {
                RelayProtocol.Frame f = RelayProtocol.readFrame(in);
                if (f == null) break;
                switch (f.type()) {
                    case RelayProtocol.AGI_IN -> agiInput.offer(f.payload());
                    case RelayProtocol.AUDIO -> audio(f.payload());
                    case RelayProtocol.HANGUP -> {
                        hungUp = true;
                        if (hangupLine) agiInput.hangupLine();
                        callListener("hangup", () -> listener.hangup());
                    }
                    case RelayProtocol.END -> {
                        reason = f.payload().length == 0 ? "relay ended" : "relay ended: " + f.text();
                        return;
                    }
                    default -> throw new IOException("relay protocol error: unknown frame type 0x"
                            + Integer.toHexString(f.type()) + " (length " + f.payload().length + ")");
                }
            }
        } catch (IOException e) {
            if (!ended.get()) {
                reason = "relay connection failed: " + e.getMessage();
                log.warn("{}: {}", socket.getRemoteSocketAddress(), reason);
            }
        } finally {
            String local = localCloseReason;
            end(local != null ? local : reason);
        }
    }

    private void audio(byte[] pcm) {
        audioBytes += pcm.length;
        callListener("audio", () -> listener.audio(pcm, 0, pcm.length));
        callListener("level", () -> meter.feed(pcm, 0, pcm.length));
    }

    private void callListener(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // the first failure with its stack trace; then a note every 1000 (audio comes 50 times a second)
            long n = ++listenerFailures;
            if (n == 1) log.warn("relay listener failed in {}: {}", what, e.toString(), e);
            else if (n % 1000 == 0) log.warn("relay listener failed {} times, last in {}: {}", n, what, e.toString());
        }
    }

    private void end(String reason) {
        if (!ended.compareAndSet(false, true)) return;
        endReason = reason;
        agiInput.finish();
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
        callListener("ended", () -> listener.ended(reason));
    }

    private void sendFrame(int type, byte[] b, int off, int len) throws IOException {
        writeLock.lock();
        try {
            do {
                int n = Math.min(len, RelayProtocol.MAX_PAYLOAD);
                RelayProtocol.writeFrame(out, type, b, off, n);
                off += n;
                len -= n;
            } while (len > 0);
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }


    @Override
    public String toString() {
        return "RelaySession[" + socket.getRemoteSocketAddress() + (ended.get() ? ", ended: " + endReason : "") + "]";
    }
}
