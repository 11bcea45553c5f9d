package org.tinyphone.bench.bridge;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinyphone.sim.agi.AgiPeer;

/**
 * The audio-level side of the bridge case, as its own process: {@code apps} WebSocket apps ({@link WsApps}) each watch one number;
 * {@code calls} calls spread over those numbers come in by FastAGI with the AudioSocket hand-off
 * ({@code /tinyphone?audiosocket}: the bridge sets TINYPHONE_UUID and returns) and then stream a tone over
 * AudioSocket, 320-byte frames every 20 ms, so the server makes ~15 audio_level events per call per second.
 * Prints MEASURE_START/MEASURE_END around the window and {@code RESULT calls=.. apps=.. levelsPerSec=..}.
 */
public final class LevelsLoad {
    private LevelsLoad() {}

    static String number(int i) {
        return String.format(Locale.ROOT, "1360516%04d", i);
    }

    /** {@code levels-load <httpPort> <fastagiPort> <audiosocketPort> <calls> <apps> <seconds>} */
    public static void main(String[] args) throws Exception {
        int httpPort = Integer.parseInt(args[0]), agiPort = Integer.parseInt(args[1]), audioPort = Integer.parseInt(args[2]);
        int calls = Integer.parseInt(args[3]), apps = Integer.parseInt(args[4]), seconds = Integer.parseInt(args[5]);
        AtomicLong levels = new AtomicLong();
        CountDownLatch subscribed = new CountDownLatch(apps);
        byte[] level = "\"type\":\"audio_level\"".getBytes(StandardCharsets.US_ASCII);
        byte[] subscribedMsg = "\"type\":\"subscribed\"".getBytes(StandardCharsets.US_ASCII);
        WsApps sockets = new WsApps(httpPort, "/ws", apps);
        Thread.ofPlatform().daemon().name("ws-apps").start(() -> {
            try {
                sockets.run((app, msg, len, now) -> {
                    if (WsApps.contains(msg, len, level)) levels.incrementAndGet();
                    else if (WsApps.contains(msg, len, subscribedMsg)) subscribed.countDown();
                });
            } catch (IOException e) {
                System.out.println("ERROR ws-apps: " + e);
            }
        });
        for (int i = 0; i < apps; i++) {
            sockets.sendText(i, "{\"type\":\"subscribe\",\"number\":\"" + number(i) + "\",\"id\":\"s\"}");
        }
        if (!subscribed.await(60, TimeUnit.SECONDS)) {
            System.out.println("RESULT failed=1 reason=subscribe");
            System.exit(1);
        }
        // calls: FastAGI hand-off, then AudioSocket with the UUID the bridge handed out
        List<OutputStream> audio = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            String uuid = handOff(agiPort, number(i % apps), i);
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", audioPort), 10_000);
            UUID u = UUID.fromString(uuid);
            ByteBuffer f = ByteBuffer.allocate(19).put((byte) 0x01).putShort((short) 16)
                    .putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
            OutputStream out = s.getOutputStream();
            out.write(f.array());
            audio.add(out);
        }
        byte[] frame = toneFrame();
        AtomicLong frames = new AtomicLong();
        Thread sender = Thread.ofPlatform().daemon().name("audio-sender").start(() -> {
            long next = System.nanoTime();
            try {
                while (true) {
                    for (OutputStream o : audio) o.write(frame);
                    frames.addAndGet(audio.size());
                    next += 20_000_000L;
                    long wait = next - System.nanoTime();
                    if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            } catch (IOException | InterruptedException e) {
                // done
            }
        });
        Thread.sleep(3000); // levels flowing everywhere
        long l0 = levels.get(), f0 = frames.get(), t0 = System.nanoTime();
        System.out.println("MEASURE_START");
        System.out.flush();
        Thread.sleep(seconds * 1000L);
        long l1 = levels.get(), f1 = frames.get(), t1 = System.nanoTime();
        System.out.println("MEASURE_END");
        double secs = (t1 - t0) / 1e9;
        System.out.printf(Locale.ROOT, "RESULT failed=0 calls=%d apps=%d levelsPerSec=%d framesPerSec=%d%n", calls, apps,
                (long) ((l1 - l0) / secs), (long) ((f1 - f0) / secs));
        System.out.flush();
        sender.interrupt();
        System.exit(0);
    }

    /** Plays Asterisk for {@code AGI(agi://.../tinyphone?audiosocket)}; returns the TINYPHONE_UUID the bridge set. */
    private static String handOff(int port, String number, int i) throws IOException {
        try (AgiPeer asterisk = AgiPeer.connect("127.0.0.1", port, Duration.ofSeconds(60), null)) {
            asterisk.sendEnvironment(BridgeLoad.environment("tinyphone?audiosocket", number, i));
            String uuid = null, cmd;
            while ((cmd = asterisk.readLine()) != null) {
                String reply = "200 result=0";
                if (cmd.startsWith("SET VARIABLE")) {
                    String[] w = cmd.split("\\s+");
                    if (w.length >= 4 && w[2].replace("\"", "").equals("TINYPHONE_UUID")) uuid = w[3].replace("\"", "");
                    reply = "200 result=1";
                }
                asterisk.send(reply);
            }
            if (uuid == null) throw new IOException("the bridge did not hand out TINYPHONE_UUID for call " + i);
            return uuid;
        }
    }

    private static byte[] toneFrame() {
        ByteBuffer b = ByteBuffer.allocate(3 + 320).put((byte) 0x10).putShort((short) 320);
        for (int n = 0; n < 160; n++) {
            short v = (short) (8000 * Math.sin(2 * Math.PI * 440 * n / 8000.0));
            b.put((byte) (v & 0xff)).put((byte) (v >> 8));
        }
        return b.array();
    }
}
