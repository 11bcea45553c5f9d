package org.tinyphone.sim.audio;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A simulated {@code bin/tinyphone-agi} (the EAGI relay) connected to a Tinyphone server's relay port, for tests,
 * load and {@code simulate --via relay} without starting a JVM per call. It speaks the tunnel protocol itself
 * (docs/audio.md): the {@code TINYPHONE-RELAY/1} line, then {@code type | length (2 bytes, big-endian) | payload}
 * frames — 0x01 AGI bytes from Asterisk, 0x02 fd-3 audio, 0x03 SIGHUP, 0x04 END; from the server 0x11 AGI bytes
 * to Asterisk and 0x14 END.
 *
 * <p>The AGI side is a plain stream pair, so a simulated Asterisk can run over it:
 * {@code AgiPeer.over(relay.fromServer(), relay.toServer(), tap)}.
 */
public final class SimulatedRelay implements AutoCloseable {

    public static final String GREETING = "TINYPHONE-RELAY/1";
    public static final int AGI_IN = 0x01;
    public static final int AUDIO = 0x02;
    public static final int HANGUP = 0x03;
    public static final int END = 0x04;
    public static final int AGI_OUT = 0x11;
    public static final int SERVER_END = 0x14;

    private final Socket socket;
    private final FrameSender out;
    private final DataInputStream in;
    private final java.util.concurrent.LinkedBlockingQueue<byte[]> fromServerChunks = new java.util.concurrent.LinkedBlockingQueue<>();
    private static final byte[] EOF_CHUNK = new byte[0];
    private final InputStream fromServer = new InputStream() {
        private byte[] current;
        private int pos;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (current == null || pos == current.length) {
                if (current == EOF_CHUNK) return -1;
                try {
                    current = fromServerChunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
                pos = 0;
                if (current == EOF_CHUNK) {
                    fromServerChunks.add(EOF_CHUNK);
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    };
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile String endReason;
    private volatile boolean heard;
    private long nextFrameAt;

    private SimulatedRelay(Socket socket) throws IOException {
        this.socket = socket;
        this.out = new FrameSender(socket.getOutputStream());
        this.in = new DataInputStream(socket.getInputStream());
        Thread.ofVirtual().name("simulated-relay-reader").start(this::readLoop);
    }

    /** Connects and sends the greeting line (nothing else yet: send the AGI environment next). */
    public static SimulatedRelay connect(String host, int port) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), 5000);
            SimulatedRelay r = new SimulatedRelay(s);
            r.sendRaw((GREETING + "\n").getBytes(StandardCharsets.US_ASCII));
            return r;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Bytes "Asterisk writes to the relay's stdin" (environment, replies) go to the server as AGI_IN frames. */
    public OutputStream toServer() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int done = 0; done < len; ) {
                    int n = Math.min(len - done, 0xffff);
                    sendFrame(AGI_IN, b, off + done, n);
                    done += n;
                }
            }
        };
    }

    /** Bytes the server sends "to Asterisk" (AGI commands); EOF when the server ends the tunnel. */
    public InputStream fromServer() {
        return fromServer;
    }

    /** Sends the caller's audio (8 kHz s16le) as AUDIO frames of 320 bytes, paced at 20 ms or as fast as possible. */
    public void sendAudio(byte[] pcm, AudioSocketCaller.Pacing pacing) throws IOException {
        for (int off = 0; off < pcm.length; off += 320) {
            if (pacing == AudioSocketCaller.Pacing.REAL_TIME) pace();
            sendFrame(AUDIO, pcm, off, Math.min(320, pcm.length - off));
        }
    }

    private void pace() {
        long now = System.nanoTime();
        if (nextFrameAt == 0 || now - nextFrameAt > 200_000_000L) nextFrameAt = now;
        long wait = nextFrameAt - now;
        if (wait > 0) LockSupport.parkNanos(wait);
        nextFrameAt += 20_000_000L;
    }

    /** The relay got SIGHUP (the caller hung up). */
    public void hangup() throws IOException {
        sendFrame(HANGUP, new byte[0], 0, 0);
    }

    /** The relay leaves (Asterisk closed its stdin): END frame, then the connection closes. */
    public void end(String reason) throws IOException {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        try {
            sendFrame(END, r, 0, r.length);
        } finally {
            socket.close();
        }
    }

    /** Sends any frame, also malformed ones (tests). */
    public void sendFrame(int type, byte[] payload, int offset, int length) throws IOException {
        out.frame(type, payload, offset, length);
    }

    /** Sends raw bytes. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.raw(bytes);
    }

    /** Waits for the server to end the tunnel (END frame or close); its reason, or null on timeout. */
    public String awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
        return ended.await(timeout, unit) ? endReason : null;
    }

    /**
     * True once the server sent a frame of the tunnel (AGI bytes or END): a peer that closes without one does not
     * speak it (another port), or refused the call.
     */
    public boolean heardFromServer() {
        return heard;
    }

    private void readLoop() {
        String reason = "server closed the connection";
        try {
            while (true) {
                int type = in.read();
                if (type < 0) break;
                int length = in.readUnsignedShort();
                byte[] payload = new byte[length];
                in.readFully(payload);
                if (type == AGI_OUT || type == SERVER_END) heard = true;
                if (type == AGI_OUT) {
                    if (length > 0) fromServerChunks.add(payload);
                } else if (type == SERVER_END) {
                    reason = "END " + new String(payload, StandardCharsets.UTF_8);
                    break;
                } else {
                    reason = "unknown frame type 0x" + Integer.toHexString(type) + " from the server";
                    break;
                }
            }
        } catch (EOFException e) {
            reason = "server closed the connection inside a frame";
        } catch (IOException e) {
            reason = socket.isClosed() ? "closed" : "connection failed: " + e;
        } finally {
            endReason = reason;
            fromServerChunks.add(EOF_CHUNK);
            ended.countDown();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
