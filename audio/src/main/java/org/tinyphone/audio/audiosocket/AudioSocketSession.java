package org.tinyphone.audio.audiosocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.tinyphone.audio.audiosocket.AudioSocketEvent.CloseReason;
import org.tinyphone.audio.level.LevelMeter;

/**
 * One AudioSocket connection from Asterisk, after its UUID frame: the call's events come from {@link #next}
 * (on the connection's thread, plain blocking code), audio and a hangup go back with {@link #sendAudio} and
 * {@link #hangup()} (from any thread).
 *
 * <p>Every audio frame is followed by the {@link AudioSocketEvent.Level} events it completed (one per 66 ms).
 */
public final class AudioSocketSession implements AutoCloseable {

    private final Socket socket;
    private final UUID uuid;
    private final InputStream in;
    private final OutputStream out;
    private final AudioSocketCodec.Decoder decoder;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ArrayDeque<AudioSocketEvent> pending = new ArrayDeque<>();
    private final byte[] readBuf = new byte[8192];
    private LevelMeter meter;
    private int meterRate;
    private volatile boolean hangupSent;
    private volatile boolean localClose;
    private AudioSocketEvent.Closed closed;
    private long audioFrames;
    private long audioBytes;
    private int soTimeout = -1; // the socket's read timeout as last set here (-1: unknown, set by the UUID wait)

    AudioSocketSession(Socket socket, UUID uuid, AudioSocketCodec.Decoder decoder) throws IOException {
        this.socket = socket;
        this.uuid = uuid;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.decoder = decoder;
    }

    /** The UUID the dialplan gave {@code AudioSocket(<uuid>,host:port)}: joins this audio to its call. */
    public UUID uuid() {
        return uuid;
    }

    /** Asterisk's address. */
    public SocketAddress remoteAddress() {
        return socket.getRemoteSocketAddress();
    }

    /**
     * The next event, waiting up to {@code timeout} (Asterisk sends nothing while the channel has no audio);
     * {@code null} if none came in time. After the end, always the same {@link AudioSocketEvent.Closed}.
     */
    public AudioSocketEvent next(Duration timeout) {
        return next(System.nanoTime() + timeout.toNanos(), true);
    }

    /**
     * Waits for events until the session ends (the peer hangs up or goes, or {@link #close()}), handing each to
     * {@code consumer}; returns the final event. Reads block without a timer (one read per 20 ms frame, so a
     * timed read would set and cancel a timer per frame); the wait ends when the connection does.
     */
    public AudioSocketEvent.Closed forEach(Consumer<AudioSocketEvent> consumer) {
        while (true) {
            AudioSocketEvent e = next(0, false);
            if (e instanceof AudioSocketEvent.Closed c) return c;
            if (e != null) consumer.accept(e);
        }
    }

    /** The next event; with {@code timed}, null once {@code deadline} (System.nanoTime) has passed. */
    private AudioSocketEvent next(long deadline, boolean timed) {
        while (true) {
            AudioSocketEvent e = pending.poll();
            if (e != null) return e;
            if (closed != null) return closed;
            try {
                AudioSocketFrame f = decoder.next();
                if (f != null) {
                    onFrame(f);
                    continue;
                }
                int millis = 0; // 0: block until data or the end of the connection
                if (timed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return null;
                    millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000));
                }
                if (millis != soTimeout) {
                    socket.setSoTimeout(millis);
                    soTimeout = millis;
                }
                int n = in.read(readBuf);
                if (n < 0) {
                    end(hangupSent ? CloseReason.HANGUP_SENT : CloseReason.PEER_CLOSED,
                            decoder.buffered() > 0 ? decoder.buffered() + " bytes of an unfinished frame left" : "");
                } else {
                    decoder.feed(readBuf, 0, n);
                }
            } catch (SocketTimeoutException timedOut) {
                return null;
            } catch (AudioSocketProtocolException bad) {
                end(CloseReason.PROTOCOL_ERROR, bad.getMessage());
            } catch (IOException failed) {
                end(localClose ? CloseReason.LOCAL_CLOSE : hangupSent ? CloseReason.HANGUP_SENT : CloseReason.IO_ERROR,
                        failed.toString());
            }
        }
    }

    private void onFrame(AudioSocketFrame f) {
        if (f.isAudio()) {
            audioFrames++;
            audioBytes += f.payload().length;
            pending.add(new AudioSocketEvent.Audio(f.sampleRate(), f.payload()));
            if (meter == null || meterRate != f.sampleRate()) {
                meterRate = f.sampleRate();
                meter = LevelMeter.forSampleRate(meterRate, (p, r) -> pending.add(new AudioSocketEvent.Level(p, r)));
            }
            meter.feed(f.payload());
            return;
        }
        switch (f.type()) {
            case AudioSocketFrame.DTMF -> pending.add(new AudioSocketEvent.Dtmf(f.digit()));
            case AudioSocketFrame.ERROR -> pending.add(new AudioSocketEvent.Error(f.errorCode()));
            case AudioSocketFrame.HANGUP -> end(CloseReason.PEER_HANGUP, "");
            case AudioSocketFrame.UUID_TYPE -> end(CloseReason.PROTOCOL_ERROR, "a second UUID frame: " + f);
            default -> end(CloseReason.PROTOCOL_ERROR, "unexpected frame " + f);
        }
    }

    private void end(CloseReason reason, String detail) {
        if (closed != null) return;
        closed = new AudioSocketEvent.Closed(reason, detail);
        closeSocket();
    }

    /** Sends 8 kHz slin audio to the caller (split into frames of at most 320 bytes; no pacing). */
    public void sendAudio(byte[] pcm) throws IOException {
        sendAudio(8000, pcm, 0, pcm.length);
    }

    /** Sends slin audio at {@code sampleRate}, split into 20 ms frames; the caller paces the calls. */
    public void sendAudio(int sampleRate, byte[] pcm, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, pcm.length);
        int type = AudioSocketFrame.audio(sampleRate, new byte[0]).type();
        int frameBytes = sampleRate / 50 * 2;
        // every frame in one buffer, so one write (one system call, one segment) sends them
        byte[] wire = new byte[length + 3 * ((length + frameBytes - 1) / frameBytes)];
        for (int at = 0; length > 0; ) {
            int n = Math.min(length, frameBytes);
            System.arraycopy(AudioSocketCodec.header(type, n), 0, wire, at, 3);
            System.arraycopy(pcm, offset, wire, at + 3, n);
            at += 3 + n;
            offset += n;
            length -= n;
        }
        writeLock.lock();
        try {
            checkWritable();
            out.write(wire);
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends any frame (e.g. DTMF) as is. */
    public void send(AudioSocketFrame frame) throws IOException {
        writeLock.lock();
        try {
            checkWritable();
            out.write(AudioSocketCodec.encode(frame));
            out.flush();
            if (frame.type() == AudioSocketFrame.HANGUP) hangupSent = true;
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends the hangup frame ({@code 00 00 00}): Asterisk ends {@code AudioSocket()} and closes the connection. */
    public void hangup() throws IOException {
        if (hangupSent) return;
        send(AudioSocketFrame.hangup());
    }

    private void checkWritable() throws IOException {
        if (hangupSent) throw new IOException("AudioSocket " + uuid + ": hangup already sent");
        if (socket.isClosed()) throw new IOException("AudioSocket " + uuid + " is closed");
    }

    /** Whether {@link #hangup()} was sent. */
    public boolean hangupSent() {
        return hangupSent;
    }

    /** Audio frames and bytes received so far. */
    public long audioFrames() {
        return audioFrames;
    }

    public long audioBytes() {
        return audioBytes;
    }

    /** Closes the connection (for Asterisk: the AudioSocket application ends). Idempotent. */
    @Override
    public void close() {
        localClose = true;
        closeSocket();
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return "AudioSocketSession[" + uuid + " from " + remoteAddress() + (closed != null ? ", " + closed : "") + "]";
    }
}
