package org.tinyphone.sim.ari;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.tinyphone.sim.audio.AudioSocketCaller;

/**
 * chan_audiosocket's side of an ARI externalMedia channel ({@code encapsulation=audiosocket transport=tcp}), as
 * capture 10c shows it: Asterisk connects to {@code external_host} and sends the UUID frame ({@code data}); while
 * the channel is bridged with a caller who makes sound it sends one audio frame per 20 ms of the format's own type
 * ({@code 0x10} slin 320 bytes, {@code 0x12} slin16 640 bytes, ...), nothing in silence; each key the caller presses
 * is also a {@code 0x03} frame; our {@code 0x00} frame makes it close the connection and hang the channel up, and so
 * does our close; when the channel is hung up over ARI it closes the connection.
 */
final class AudioSocketMedia implements AutoCloseable {
    /** The slin formats chan_audiosocket carries and their frame types (res_audiosocket.c). */
    private static final Map<String, int[]> FORMATS = Map.of("slin", new int[] {0x10, 8000}, "slin12", new int[] {0x11, 12000},
            "slin16", new int[] {0x12, 16000}, "slin24", new int[] {0x13, 24000}, "slin32", new int[] {0x14, 32000},
            "slin44", new int[] {0x15, 44100}, "slin48", new int[] {0x16, 48000}, "slin96", new int[] {0x17, 96000},
            "slin192", new int[] {0x18, 192000});
    /** Bytes of 20 ms of the caller's audio at 8 kHz. */
    static final int CALLER_FRAME = 320;

    /** The simulator's side. */
    interface Bridge {
        /** 20 ms of 8 kHz audio of a caller bridged with this channel, or null (no one bridged, or silence). */
        byte[] callerAudio(AudioSocketMedia media);

        /** The connection ended from our side (hangup frame or close): the channel hangs up. */
        void hungUpByApp(AudioSocketMedia media);
    }

    private final AudioSocketCaller socket;
    private final String channelId;
    private final int type;
    private final int rate;
    private final Bridge bridge;
    private final ConcurrentLinkedQueue<Character> keys = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong framesReceived = new AtomicLong();

    private AudioSocketMedia(AudioSocketCaller socket, String channelId, int[] format, Bridge bridge) {
        this.socket = socket;
        this.channelId = channelId;
        this.type = format[0];
        this.rate = format[1];
        this.bridge = bridge;
    }

    /** Null if chan_audiosocket carries {@code format}, else why not. */
    static String refusal(String format) {
        return FORMATS.containsKey(format) ? null
                : "format " + format + " is not one AudioSocket carries (slin, slin12, slin16 ... slin192)";
    }

    /** Connects to {@code hostPort} and sends the UUID frame; then audio and keys flow until the connection ends. */
    static AudioSocketMedia connect(String hostPort, UUID uuid, String format, String channelId, Bridge bridge) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) throw new IOException("external_host is not host:port: " + hostPort);
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        AudioSocketMedia m = new AudioSocketMedia(AudioSocketCaller.connect(host, port, uuid), channelId, FORMATS.get(format), bridge);
        Thread.ofVirtual().name("sim-ari-media-read-" + channelId).start(m::readLoop);
        Thread.ofVirtual().name("sim-ari-media-send-" + channelId).start(m::sendLoop);
        return m;
    }

    String channelId() { return channelId; }

    /** The caller pressed a key: a DTMF frame follows (as well as the ARI event). */
    void dtmf(char key) {
        if (!closed.get()) keys.add(key);
    }

    /** Audio frames sent to the app so far. */
    long framesSent() { return framesSent.get(); }

    /** Audio frames the app sent (played to the bridge). */
    long framesReceived() { return framesReceived.get(); }

    /** The channel hung up: Asterisk closes the connection. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void readLoop() {
        try {
            while (!closed.get()) {
                AudioSocketCaller.Frame f;
                try {
                    f = socket.readFrame(Duration.ofSeconds(30));
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (f == null) continue;
                if (f.type() == AudioSocketCaller.HANGUP) break;   // 10c: our 0x00 frame, the connection closes at once
                if (f.type() == type || f.type() >= 0x10 && f.type() <= 0x18) framesReceived.incrementAndGet();
            }
        } catch (EOFException e) {
            // the app closed the connection: chan_audiosocket hangs the channel up
        } catch (IOException e) {
            if (closed.get()) return;   // we closed it (the channel hung up)
        }
        if (closed.get()) return;
        close();
        bridge.hungUpByApp(this);
    }

    private void sendLoop() {
        long next = System.nanoTime();
        int frameBytes = rate / 50 * 2;
        while (!closed.get()) {
            next += 20_000_000L;
            long wait = next - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            else if (wait < -200_000_000L) next = System.nanoTime();   // far behind (a paused VM): start over
            try {
                for (Character k = keys.poll(); k != null; k = keys.poll()) socket.sendDtmf(String.valueOf(k));
                byte[] pcm = bridge.callerAudio(this);
                if (pcm == null) continue;
                socket.sendFrame(type, resample(pcm, rate, frameBytes));
                framesSent.incrementAndGet();
            } catch (IOException e) {
                return;   // the reader sees the end too
            }
        }
    }

    /** 8 kHz samples to {@code rate} by repeating the nearest sample (enough for a level meter). */
    private static byte[] resample(byte[] pcm8k, int rate, int frameBytes) {
        if (rate == 8000) return pcm8k;
        byte[] out = new byte[frameBytes];
        int samples = frameBytes / 2;
        int in = pcm8k.length / 2;
        for (int i = 0; i < samples; i++) {
            int src = (int) ((long) i * 8000 / rate);
            if (src >= in) src = in - 1;
            out[2 * i] = pcm8k[2 * src];
            out[2 * i + 1] = pcm8k[2 * src + 1];
        }
        return out;
    }
}
