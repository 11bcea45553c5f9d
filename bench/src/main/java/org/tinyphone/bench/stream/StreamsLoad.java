package org.tinyphone.bench.stream;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.tinyphone.audio.codec.Mulaw;

/**
 * The load side of the streams case, as its own process: {@code streams} simulated AudioSocket callers (the AudioSocket
 * wire format: a UUID frame, then 320-byte slin frames every 20 ms of real time from one sender thread, each caller's
 * frames read back by a virtual thread) and one Twilio Media Streams echo app (a Jetty WebSocket server at
 * {@code /echo} that sends every {@code media} payload straight back, no delay). Frame {@code k} of a caller is 80
 * samples of the µ-law level {@code 0x80 + k % 120}, then 80 of {@code 0x80 + k / 120 % 120}, so the app and the caller
 * can tell which frame came (any of the first 14,400: 288 s) and how late.
 *
 * <p>The echo sends {@code clear} once, when the warm-up ends: a player never skips an app's audio, so an echo's
 * audio that came back in a burst while the server warmed up (JIT, connections) stays queued for the whole call, and
 * the round trip would measure that start-up backlog instead of the server. The round trip of the warm-up's last
 * second (before the clear) is reported beside the window's, to show that backlog.
 *
 * <p>Measured over the window between MEASURE_START and MEASURE_END (after a warm-up): to the app, the time from the
 * caller writing frame k to the app reading chunk k ("behind real time"), and per stream how many frames came more
 * than one frame (20 ms) late; round trip, the time from the caller writing frame k to reading it back (caller → server
 * → app → server's player, paced at 20 ms → caller). Prints {@code RESULT ...} (microseconds, counts).
 */
public final class StreamsLoad {
    private StreamsLoad() {}

    static final int FRAME_BYTES = 320;
    static final long FRAME_NANOS = 20_000_000L;
    private static final int IDS = 120;

    /** The µ-law bytes of frame {@code k}: its number in two halves. */
    static byte[] ulawFrame(long k) {
        byte[] ulaw = new byte[FRAME_BYTES / 2];
        java.util.Arrays.fill(ulaw, 0, ulaw.length / 2, (byte) (0x80 + (int) (k % IDS)));
        java.util.Arrays.fill(ulaw, ulaw.length / 2, ulaw.length, (byte) (0x80 + (int) (k / IDS % IDS)));
        return ulaw;
    }

    /** The frame number two µ-law bytes (one from each half) say, or -1 when they are not a frame's. */
    static long frameOf(int low, int high) {
        int lo = (low & 0xff) - 0x80, hi = (high & 0xff) - 0x80;
        return lo < 0 || lo >= IDS || hi < 0 || hi >= IDS ? -1 : lo + (long) IDS * hi;
    }

    /** {@code streams-load <appPort> <audiosocketPort> <streams> <warmupSeconds> <seconds>} */
    public static void main(String[] args) {
        try {
            run(args);
        } catch (Exception e) {
            System.out.println("RESULT failed=1 reason=" + e.toString().replace(' ', '_'));
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        int appPort = Integer.parseInt(args[0]), audioPort = Integer.parseInt(args[1]), n = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]), seconds = Integer.parseInt(args[4]);
        long warmFrames = warmup * 50L, lastFrame = warmFrames + seconds * 50L; // frames [warmFrames, lastFrame) count
        long totalFrames = lastFrame + 25; // half a second more, so the window's frames all come back

        AtomicLongArray[] sent = new AtomicLongArray[n];
        for (int i = 0; i < n; i++) sent[i] = new AtomicLongArray((int) totalFrames);
        Map<String, Integer> byUuid = new ConcurrentHashMap<>();
        UUID[] uuids = new UUID[n];
        for (int i = 0; i < n; i++) {
            uuids[i] = UUID.randomUUID();
            byUuid.put(uuids[i].toString(), i);
        }
        Histogram toApp = new ConcurrentHistogram(60_000_000L, 2);
        Histogram rtt = new ConcurrentHistogram(60_000_000L, 2);
        Histogram rttWarm = new ConcurrentHistogram(60_000_000L, 2); // the warm-up's last second, before the echo's clear
        AtomicInteger[] lateToApp = new AtomicInteger[n];
        long[] worstToApp = new long[n];
        AtomicInteger[] gotToApp = new AtomicInteger[n];
        for (int i = 0; i < n; i++) {
            lateToApp[i] = new AtomicInteger();
            gotToApp[i] = new AtomicInteger();
        }
        AtomicLong appWrong = new AtomicLong(), backWrong = new AtomicLong(), appFrames = new AtomicLong(), backFrames = new AtomicLong();
        CountDownLatch started = new CountDownLatch(n);
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicInteger stopped = new AtomicInteger();

        // ---- the echo app
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server app = new Server(pool);
        ServerConnector connector = new ServerConnector(app);
        connector.setHost("127.0.0.1");
        connector.setPort(appPort);
        app.addConnector(connector);
        ContextHandler context = new ContextHandler("/");
        context.setHandler(WebSocketUpgradeHandler.from(app, context, c -> {
            c.setMaxTextMessageSize(1 << 20);
            c.setIdleTimeout(java.time.Duration.ofMinutes(10));
            c.addMapping("/echo", (req, resp, cb) -> new Echo(byUuid, sent, toApp, lateToApp, gotToApp, worstToApp, appWrong, appFrames,
                    started, stopped, warmFrames, lastFrame, measuring));
        }));
        app.setHandler(context);
        app.start();

        // ---- the callers
        List<OutputStream> outs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", audioPort), 10_000);
            UUID u = uuids[i];
            OutputStream out = s.getOutputStream();
            out.write(ByteBuffer.allocate(19).put((byte) 0x01).putShort((short) 16).putLong(u.getMostSignificantBits())
                    .putLong(u.getLeastSignificantBits()).array());
            outs.add(out);
            int idx = i;
            Thread.ofVirtual().name("caller-" + i).start(() -> readBack(s, sent[idx], rtt, rttWarm, backWrong, backFrames, warmFrames,
                    lastFrame));
        }
        if (!started.await(120, TimeUnit.SECONDS)) {
            System.out.println("RESULT failed=1 started=" + (n - started.getCount()));
            System.exit(1);
        }
        System.out.println("STARTED " + n);

        // ---- real time: frame k of every caller at t0 + k * 20 ms
        byte[][] frames = new byte[(int) totalFrames][];
        for (int k = 0; k < totalFrames; k++) {
            byte[] ulaw = ulawFrame(k);
            byte[] pcm = Mulaw.toPcm(ulaw, 0, ulaw.length);
            frames[k] = ByteBuffer.allocate(3 + FRAME_BYTES).put((byte) 0x10).putShort((short) FRAME_BYTES).put(pcm).array();
        }
        Histogram sendLate = new Histogram(60_000_000L, 2);
        long t0 = System.nanoTime() + 50_000_000L;
        for (long k = 0; k < totalFrames; k++) {
            long due = t0 + k * FRAME_NANOS;
            long now;
            while ((now = System.nanoTime()) < due) LockSupport.parkNanos(due - now);
            if (k == warmFrames) {
                measuring.set(true); // the echo clears what its warm-up left queued
                System.out.println("MEASURE_START");
            }
            if (k >= warmFrames && k < lastFrame) sendLate.recordValue(Math.max(0, (now - due) / 1000));
            byte[] f = frames[(int) k];
            for (int i = 0; i < n; i++) {
                sent[i].set((int) k, System.nanoTime());
                try {
                    outs.get(i).write(f);
                } catch (IOException e) {
                    // the server closed this call: counted by what does not come back
                }
            }
            if (k == lastFrame) System.out.println("MEASURE_END");
        }
        Thread.sleep(1000);
        for (OutputStream o : outs) {
            try {
                o.write(new byte[] {0x00, 0x00, 0x00}); // hang up
            } catch (IOException ignored) {
                // gone already
            }
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (stopped.get() < n && System.nanoTime() < until) Thread.sleep(50);

        long expected = (long) n * (lastFrame - warmFrames);
        int within = 0;
        long worst = 0;
        for (int i = 0; i < n; i++) {
            long window = lastFrame - warmFrames; // ≥ 99 % of its frames came, at most 1 % of them over a frame late
            if (gotToApp[i].get() >= window * 99 / 100 && lateToApp[i].get() <= window / 100) within++;
            worst = Math.max(worst, worstToApp[i]);
        }
        System.out.println(String.format(Locale.ROOT, "RESULT failed=0 streams=%d expected=%d appFrames=%d backFrames=%d "
                        + "appWrong=%d backWrong=%d toAppP50us=%d toAppP99us=%d toAppMaxUs=%d within=%d worstStreamMaxUs=%d "
                        + "rttP50us=%d rttP99us=%d rttMaxUs=%d rttWarmP50us=%d rttWarmP99us=%d sendLateP99us=%d sendLateMaxUs=%d "
                        + "stopped=%d",
                n, expected, appFrames.get(), backFrames.get(), appWrong.get(), backWrong.get(),
                toApp.getValueAtPercentile(50), toApp.getValueAtPercentile(99), toApp.getMaxValue(), within, worst,
                rtt.getValueAtPercentile(50), rtt.getValueAtPercentile(99), rtt.getMaxValue(),
                rttWarm.getValueAtPercentile(50), rttWarm.getValueAtPercentile(99),
                sendLate.getValueAtPercentile(99), sendLate.getMaxValue(), stopped.get()));
        app.stop();
        System.exit(0);
    }

    /** One caller's frames back from the server: which frame each is, and its round trip. */
    private static void readBack(Socket s, AtomicLongArray sent, Histogram rtt, Histogram rttWarm, AtomicLong wrong, AtomicLong count,
                                 long warmFrames, long lastFrame) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream(), 8192))) {
            long expect = -1; // the frame the next one back should be
            byte[] buf = new byte[65535];
            while (true) {
                int type = in.readUnsignedByte();
                int len = in.readUnsignedShort();
                in.readFully(buf, 0, len);
                long now = System.nanoTime();
                if (type == 0x00) return;
                if (type != 0x10 || len < FRAME_BYTES) continue;
                long k = frameOf(Mulaw.fromPcm(buf, 0, 2)[0], Mulaw.fromPcm(buf, FRAME_BYTES / 2, 2)[0]);
                if (k < 0 || k >= sent.length() || sent.get((int) k) == 0 || k < expect) {
                    wrong.incrementAndGet(); // not a frame, or not one sent, or one that came before
                    continue;
                }
                // each is the next, else frames were lost (in the warm-up they may have been cleared by the echo's clear)
                if (expect >= 0 && k > expect) wrong.addAndGet(Math.max(0, k - Math.max(expect, warmFrames)));
                expect = k + 1;
                long micros = Math.max(0, (now - sent.get((int) k)) / 1000);
                if (k >= warmFrames && k < lastFrame) {
                    count.incrementAndGet();
                    rtt.recordValue(micros);
                } else if (k >= warmFrames - 50 && k < warmFrames) {
                    rttWarm.recordValue(micros);
                }
            }
        } catch (IOException e) {
            // the server closed the call
        }
    }

    /** The echo app: a Twilio Media Streams app sending every media payload back at once. */
    public static final class Echo implements Session.Listener.AutoDemanding {
        private final Map<String, Integer> byUuid;
        private final AtomicLongArray[] sent;
        private final Histogram toApp;
        private final AtomicInteger[] late;
        private final AtomicInteger[] got;
        private final long[] worst;
        private final AtomicLong wrong, frames;
        private final CountDownLatch started;
        private final AtomicInteger stopped;
        private final long warmFrames, lastFrame;
        private final AtomicBoolean measuring;
        private boolean cleared;
        private Session session;
        private int caller = -1;
        private long expect; // the frame the next media should be
        private String sid;

        Echo(Map<String, Integer> byUuid, AtomicLongArray[] sent, Histogram toApp, AtomicInteger[] late, AtomicInteger[] got,
             long[] worst,
             AtomicLong wrong, AtomicLong frames, CountDownLatch started, AtomicInteger stopped, long warmFrames, long lastFrame,
             AtomicBoolean measuring) {
            this.measuring = measuring;
            this.byUuid = byUuid;
            this.sent = sent;
            this.toApp = toApp;
            this.late = late;
            this.got = got;
            this.worst = worst;
            this.wrong = wrong;
            this.frames = frames;
            this.started = started;
            this.stopped = stopped;
            this.warmFrames = warmFrames;
            this.lastFrame = lastFrame;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String m) {
            long now = System.nanoTime();
            if (m.startsWith("{\"event\":\"media\"")) {
                String payload = field(m, "\"payload\":\"");
                if (!cleared && measuring.get()) {
                    cleared = true;
                    session.sendText("{\"event\":\"clear\",\"streamSid\":\"" + sid + "\"}", Callback.NOOP);
                }
                session.sendText("{\"event\":\"media\",\"streamSid\":\"" + sid + "\",\"media\":{\"payload\":\"" + payload + "\"}}",
                        Callback.NOOP);
                if (caller < 0) return;
                // bytes 0 and 80 of the 160: base64 groups 0 and 26 (bytes 78-80)
                long k = payload.length() < 108 ? -1 : frameOf(Base64.getDecoder().decode(payload.substring(0, 4))[0],
                        Base64.getDecoder().decode(payload.substring(104, 108))[2]);
                if (k < 0 || k < expect) {
                    wrong.incrementAndGet();
                    return;
                }
                // frame 0 is the first (the sender starts once every stream is up); then each is the next, else some
                // were dropped on the way (the server's queue to a slow app)
                if (k != expect) wrong.addAndGet(k - expect);
                expect = k + 1;
                if (k >= sent[caller].length()) return;
                if (k >= warmFrames && k < lastFrame) {
                    long lag = (now - sent[caller].get((int) k)) / 1000;
                    toApp.recordValue(Math.max(0, lag));
                    frames.incrementAndGet();
                    got[caller].incrementAndGet();
                    if (lag > FRAME_NANOS / 1000) late[caller].incrementAndGet();
                    if (lag > worst[caller]) worst[caller] = lag;
                }
            } else if (m.startsWith("{\"event\":\"start\"")) {
                sid = field(m, "\"streamSid\":\"");
                Integer c = byUuid.get(field(m, "\"callSid\":\""));
                if (c != null) {
                    caller = c;
                    started.countDown();
                }
            } else if (m.startsWith("{\"event\":\"stop\"")) {
                stopped.incrementAndGet();
            }
        }

        private static String field(String m, String key) {
            int i = m.indexOf(key) + key.length();
            return m.substring(i, m.indexOf('"', i));
        }
    }
}
