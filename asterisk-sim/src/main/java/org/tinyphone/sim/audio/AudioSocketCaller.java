package org.tinyphone.sim.audio;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * A simulated Asterisk running {@code AudioSocket(<uuid>,host:port)}: connects to an AudioSocket server, sends
 * the UUID frame, then DTMF and audio frames as the test or the simulator says, reads what the server sends
 * back, and hangs up the way Asterisk does (it just closes the connection; no hangup frame).
 *
 * <p>Wire facts from capture 07a: the UUID frame comes first ({@code 01 0010} + 16 bytes), audio is
 * {@code 10 0140} + 320 bytes of 8 kHz s16le every 20 ms, DTMF is {@code 03 0001} + one ASCII digit.
 * Speaks the wire itself (no Tinyphone code).
 */
public final class AudioSocketCaller implements AutoCloseable {

    public static final int HANGUP = 0x00;
    public static final int UUID_FRAME = 0x01;
    public static final int DTMF = 0x03;
    public static final int AUDIO_8K = 0x10;
    public static final int ERROR = 0xff;
    /** Bytes of one 20 ms audio frame at 8 kHz. */
    public static final int FRAME_BYTES = 320;

    /** How audio frames are spaced. */
    public enum Pacing {
        /** One 320-byte frame every 20 ms, on an absolute schedule (like Asterisk). */
        REAL_TIME,
        /** As fast as the socket takes them (tests, load). */
        FAST
    }

    /**
     * What {@link #readFrame} throws when the server sends a byte that starts no AudioSocket frame: it speaks
     * something else (an HTTP or AGI port, say). {@link #said()} is the start of what it sent, as text.
     */
    public static final class NotAudioSocketException extends ProtocolException {
        private final String said;

        NotAudioSocketException(String said) {
            super("not an AudioSocket frame: " + said);
            this.said = said;
        }

        /** The first line of what the server sent (at most 80 bytes, read as ISO-8859-1). */
        public String said() {
            return said;
        }
    }

    /** A frame from the server. */
    public record Frame(int type, byte[] payload) {
        @Override
        public String toString() {
            return String.format("Frame[0x%02x, %d bytes%s]", type, payload.length,
                    payload.length <= 16 ? " " + HexFormat.of().formatHex(payload) : "");
        }
    }

    private final Socket socket;
    private final UUID uuid;
    private final FrameSender out;
    private final DataInputStream in;
    private long nextFrameAt;
    private long framesSent;

    private AudioSocketCaller(Socket socket, UUID uuid) throws IOException {
        this.socket = socket;
        this.uuid = uuid;
        this.out = new FrameSender(socket.getOutputStream());
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects and sends the UUID frame, as Asterisk does on {@code AudioSocket()}. */
    public static AudioSocketCaller connect(String host, int port, UUID uuid) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), 5000);
            AudioSocketCaller c = new AudioSocketCaller(s, uuid);
            ByteBuffer id = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
            c.sendFrame(UUID_FRAME, id.array());
            return c;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Connects with a random UUID. */
    public static AudioSocketCaller connect(String host, int port) throws IOException {
        return connect(host, port, UUID.randomUUID());
    }

    public UUID uuid() {
        return uuid;
    }

    /** Sends one raw frame (any type, any payload: also malformed ones, for tests). */
    public void sendFrame(int type, byte[] payload) throws IOException {
        sendFrame(type, payload, 0, payload.length);
    }

    public void sendFrame(int type, byte[] payload, int offset, int length) throws IOException {
        out.frame(type, payload, offset, length);
    }

    /** Sends raw bytes (garbage, partial frames). */
    public void sendRaw(byte[] bytes) throws IOException {
        out.raw(bytes);
    }

    /** One DTMF frame per digit. */
    public void sendDtmf(String digits) throws IOException {
        for (char c : digits.toCharArray()) sendFrame(DTMF, new byte[] {(byte) c});
    }

    /**
     * Sends 8 kHz s16le audio in 320-byte frames (a shorter last frame if it does not divide); {@link Pacing#FAST}
     * writes them all at once (one flush).
     */
    public void sendAudio(byte[] pcm, Pacing pacing) throws IOException {
        if (pacing == Pacing.FAST) {
            framesSent += out.frames(AUDIO_8K, pcm, FRAME_BYTES);
            return;
        }
        for (int off = 0; off < pcm.length; off += FRAME_BYTES) {
            pace();
            sendFrame(AUDIO_8K, pcm, off, Math.min(FRAME_BYTES, pcm.length - off));
            framesSent++;
        }
    }

    /** A sine tone as audio frames. */
    public void sendTone(int hz, Duration length, int amplitude, Pacing pacing) throws IOException {
        sendAudio(Pcm.tone(hz, length, amplitude), pacing);
    }

    private void pace() {
        long now = System.nanoTime();
        if (nextFrameAt == 0 || now - nextFrameAt > 200_000_000L) nextFrameAt = now; // start, or after a pause
        long wait = nextFrameAt - now;
        if (wait > 0) LockSupport.parkNanos(wait);
        nextFrameAt += 20_000_000L;
    }

    /** Audio frames sent so far. */
    public long framesSent() {
        return framesSent;
    }

    /**
     * The next frame the server sent, waiting up to {@code timeout}; {@code null} on timeout.
     *
     * @throws EOFException when the server closed the connection
     * @throws NotAudioSocketException when the server sent a byte that is no frame type (hangup, UUID, DTMF, audio
     *                                 0x10-0x18 at Asterisk's rates, error)
     */
    public Frame readFrame(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        int type;
        try {
            type = in.read();
        } catch (SocketTimeoutException e) {
            return null;
        }
        if (type < 0) throw new EOFException("the AudioSocket server closed the connection");
        if (!isFrameType(type)) {
            byte[] rest = new byte[79];
            socket.setSoTimeout(1000);
            int n;
            try {
                n = Math.max(0, in.read(rest));
            } catch (IOException e) {
                n = 0;
            }
            throw new NotAudioSocketException((char) type + new String(rest, 0, n, StandardCharsets.ISO_8859_1)
                    .lines().findFirst().orElse(""));
        }
        socket.setSoTimeout(10_000); // the rest of a started frame must follow
        int length = in.readUnsignedShort();
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, payload);
    }

    /** Hangup, UUID, DTMF, audio (slin 0x10, and 0x11-0x18 at other rates in newer Asterisk), error. */
    private static boolean isFrameType(int type) {
        return type <= DTMF || type >= AUDIO_8K && type <= 0x18 || type == ERROR;
    }

    /** Reads until the server closes the connection (or {@code timeout} passes); true if it closed. */
    public boolean awaitServerClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (readFrame(Duration.ofMillis(Math.max(1, (deadline - System.nanoTime()) / 1_000_000))) == null) continue;
            } catch (EOFException e) {
                return true;
            } catch (IOException e) {
                return socket.isClosed() || e.getMessage() != null && e.getMessage().contains("reset");
            }
        }
        return false;
    }

    /** The caller hangs up: Asterisk just closes the TCP connection (07a), no hangup frame. */
    public void hangUp() throws IOException {
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
