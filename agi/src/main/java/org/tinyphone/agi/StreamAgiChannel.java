package org.tinyphone.agi;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.tinyphone.net.LineReader;

/**
 * An AGI session over any byte stream pair: a FastAGI socket, a process AGI's stdin/stdout, or a relay tunnel.
 * {@link #open} reads the environment; each command then writes one line and reads lines until its reply,
 * noting a {@code HANGUP} notice wherever it appears.
 */
public final class StreamAgiChannel extends AbstractAgiChannel implements AutoCloseable {
    /** Default longest line accepted from Asterisk (a 520 usage line is under 1 KiB). */
    public static final int DEFAULT_MAX_LINE = 64 * 1024;
    /** Read buffer while the environment is read (one read for the whole block); 512 B after that. */
    private static final int ENVIRONMENT_CHUNK = 2048;

    private final LineReader reader;
    private final InputStream in;
    private final OutputStream out;
    private final AgiReplyDecoder decoder = new AgiReplyDecoder();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean ended;
    private String endReason = "the AGI session has ended";
    // guarded by lock: what has been read from the wire, for isInputFinished()
    private boolean eof;
    private boolean hangupLineRead;
    private boolean replyPending;

    private StreamAgiChannel(AgiEnvironment environment, LineReader reader, InputStream in, OutputStream out) {
        super(environment);
        this.reader = reader;
        this.in = in;
        this.out = out;
    }

    /** Reads the environment from {@code in} and returns the session. */
    public static StreamAgiChannel open(InputStream in, OutputStream out) throws IOException {
        return open(in, out, DEFAULT_MAX_LINE);
    }

    /**
     * Reads the environment from {@code in} (up to its empty line) and returns the session.
     *
     * @throws AgiProtocolException if the peer does not send a valid environment (bad line, too long, EOF)
     * @throws IOException          if reading fails (e.g. a socket read timeout)
     */
    public static StreamAgiChannel open(InputStream in, OutputStream out, int maxLineLength) throws IOException {
        LineReader reader = new LineReader(in, LineReader.Policy.lf(maxLineLength), ENVIRONMENT_CHUNK);
        List<String> lines = new ArrayList<>(32);
        int blanks = 0;
        while (true) {
            String line = readLine(reader);
            if (line == null) {
                throw new AgiProtocolException(lines.isEmpty()
                        ? "connection closed before any AGI environment was sent"
                        : "connection closed before the AGI environment was complete (" + lines.size() + " lines)");
            }
            if (line.isEmpty()) {
                if (lines.isEmpty() && ++blanks <= 16) continue; // tolerate a stray leading blank line or two
                if (lines.isEmpty()) throw new AgiProtocolException("not an AGI environment: only blank lines");
                break;
            }
            lines.add(line);
            if (lines.size() > AgiEnvironment.MAX_LINES) {
                throw new AgiProtocolException("AGI environment longer than " + AgiEnvironment.MAX_LINES + " lines");
            }
            if (lines.size() == 1 && !line.startsWith("agi_")) {
                throw new AgiProtocolException("not an AGI environment: first line is " + AgiReply.abbreviate(line));
            }
        }
        reader.shrink();
        return new StreamAgiChannel(AgiEnvironment.parse(lines), reader, in, out);
    }

    @Override
    protected AgiReply exchange(String commandLine) {
        lock.lock();
        try {
            if (ended) throw new AgiHangupException(endReason, (AgiReply) null);
            replyPending = true;
            try {
                out.write(encode(commandLine));
                out.flush();
            } catch (IOException e) {
                throw end("connection to Asterisk lost while sending '" + commandLine + "': " + e.getMessage(), e);
            }
            int linesRead = 0;
            while (true) {
                if (++linesRead > AgiReplyDecoder.MAX_LINES_PER_REPLY) {
                    ended = true;
                    endReason = "no final reply from Asterisk to '" + commandLine + "' in "
                            + AgiReplyDecoder.MAX_LINES_PER_REPLY + " lines";
                    throw new AgiProtocolException(endReason);
                }
                String line;
                try {
                    line = readLine(reader);
                } catch (SocketTimeoutException e) {
                    ended = true;
                    endReason = "no reply from Asterisk (read timeout)";
                    throw new AgiException("no reply from Asterisk to '" + commandLine + "' within the read timeout", e);
                } catch (InterruptedIOException e) {
                    throw end("interrupted while waiting for the reply to '" + commandLine + "'", e);
                } catch (IOException e) {
                    throw end("connection to Asterisk lost while waiting for the reply to '" + commandLine + "': "
                            + e.getMessage(), e);
                } catch (AgiProtocolException e) {
                    ended = true;
                    endReason = e.getMessage();
                    throw e;
                }
                if (line == null) {
                    if (decoder.takeHangup()) noticeHangup();
                    eof = true;
                    ended = true;
                    endReason = "Asterisk closed the AGI connection";
                    throw new AgiHangupException("Asterisk closed the AGI connection (waiting for the reply to '"
                            + commandLine + "')", (AgiReply) null);
                }
                AgiReply reply;
                try {
                    reply = decoder.feed(line);
                } catch (AgiProtocolException e) {
                    ended = true;
                    endReason = e.getMessage();
                    throw e;
                }
                if (decoder.takeHangup()) {
                    hangupLineRead = true;
                    noticeHangup();
                }
                if (reply == null || reply.isTrying()) continue;
                replyPending = false;
                return reply;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next line from Asterisk, or null at end of stream.
     *
     * @throws AgiProtocolException if a line exceeds the limit (the rest of the stream is unusable)
     */
    private static String readLine(LineReader reader) throws IOException {
        return switch (reader.next()) {
            case LineReader.Text t -> t.text();
            case LineReader.TooLong t -> throw new AgiProtocolException("line longer than " + t.maxBytes()
                    + " bytes from the peer; closing the session");
            case LineReader.End e -> null;
        };
    }

    private AgiHangupException end(String reason, Throwable cause) {
        ended = true;
        endReason = reason;
        return new AgiHangupException(reason, cause);
    }

    private static byte[] encode(String line) {
        int n = line.length();
        for (int i = 0; i < n; i++) {
            if (line.charAt(i) >= 0x80) {
                byte[] b = line.getBytes(StandardCharsets.UTF_8);
                byte[] w = new byte[b.length + 1];
                System.arraycopy(b, 0, w, 0, b.length);
                w[b.length] = '\n';
                return w;
            }
        }
        byte[] w = new byte[n + 1];
        for (int i = 0; i < n; i++) w[i] = (byte) line.charAt(i);
        w[n] = '\n';
        return w;
    }

    /**
     * Records a hangup reported out of band (process AGI gets SIGHUP instead of a {@code HANGUP} line): the
     * command in flight or the next one throws {@link AgiHangupException}.
     */
    public void signalHangup() { noticeHangup(); }

    /**
     * True when Asterisk will send nothing more until we close, so closing at once cannot leave its bytes
     * unread (which would reset the connection): it closed the connection (EOF), or every command got its reply
     * and its {@code HANGUP} notice has been read (Asterisk sends one notice; the next comes only after our
     * close). Lines already buffered are examined; nothing is read from the stream. False while another thread
     * is in a command, after AGISIGHUP=no (no notice ever comes) and whenever in doubt.
     */
    public boolean isInputFinished() {
        if (!lock.tryLock()) return false;
        try {
            if (eof) return true;
            if (replyPending || decoder.inBlock()) return false;
            String line;
            while ((line = reader.pollLine()) != null) {
                if (!line.equals("HANGUP")) return false;
                hangupLineRead = true;
                noticeHangup();
            }
            return hangupLineRead && !reader.hasBuffered();
        } finally {
            lock.unlock();
        }
    }

    /** True once the connection ended (EOF, I/O error, protocol error or timeout). */
    public boolean isEnded() { return ended; }

    /** Closes both streams. */
    @Override
    public void close() {
        ended = true;
        try {
            out.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
