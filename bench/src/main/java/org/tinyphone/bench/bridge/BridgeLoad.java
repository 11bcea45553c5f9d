package org.tinyphone.bench.bridge;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.tinyphone.sim.agi.AgiPeer;
import org.tinyphone.sim.agi.FastAgiEnvironment;

/**
 * The client side of the bridge case, run as its own process: N WebSocket apps ({@link WsApps}, one selector thread) subscribe to one number on the
 * server's /ws (native dialect), then one FastAGI call to that number (we play Asterisk) presses keys: each key
 * is the reply to the server's pending WAIT FOR DIGIT, and its latency is the time until each app has the
 * {@code keypress} event. Prints {@code RESULT clients=.. presses=.. received=.. p50us=.. p99us=.. maxUs=..}.
 */
public final class BridgeLoad {
    static final String NUMBER = "13605162099";

    private BridgeLoad() {}

    /** {@code bridge-load <httpPort> <fastagiPort> <clients> <presses> [<warm-up presses> [floor]]} */
    public static void main(String[] args) throws Exception {
        int httpPort = Integer.parseInt(args[0]), agiPort = Integer.parseInt(args[1]);
        int clients = Integer.parseInt(args[2]), presses = Integer.parseInt(args[3]);
        ConcurrentHistogram lat = new ConcurrentHistogram(60_000_000L, 3);
        AtomicInteger received = new AtomicInteger();
        AtomicInteger subscribed = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong pressedAt = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong firstAt = new java.util.concurrent.atomic.AtomicLong(),
                lastAt = new java.util.concurrent.atomic.AtomicLong();
        org.HdrHistogram.Histogram first = new org.HdrHistogram.Histogram(60_000_000L, 3),
                last = new org.HdrHistogram.Histogram(60_000_000L, 3);
        byte[] keypress = "\"type\":\"keypress\"".getBytes(StandardCharsets.US_ASCII);
        byte[] subscribedMsg = "\"type\":\"subscribed\"".getBytes(StandardCharsets.US_ASCII);
        CountDownLatch allSubscribed = new CountDownLatch(clients);
        WsApps apps = new WsApps(httpPort, "/ws", clients);
        Thread reader = Thread.ofPlatform().daemon().name("ws-apps").start(() -> {
            try {
                apps.run((app, msg, len, now) -> {
                    if (WsApps.contains(msg, len, keypress)) {
                        lat.recordValue(Math.min((now - pressedAt.get()) / 1000, 60_000_000L));
                        firstAt.compareAndSet(0, now);
                        lastAt.accumulateAndGet(now, Math::max);
                        received.incrementAndGet();
                    } else if (WsApps.contains(msg, len, subscribedMsg)) {
                        subscribed.incrementAndGet();
                        allSubscribed.countDown();
                    }
                });
            } catch (IOException e) {
                System.out.println("ERROR ws-apps: " + e);
            }
        });
        for (int i = 0; i < clients; i++) {
            apps.sendText(i, "{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\",\"id\":\"s1\"}");
        }
        BlockingQueue<Character> keys = new LinkedBlockingQueue<>();
        CountDownLatch callUp = new CountDownLatch(1);
        boolean floor = args.length > 5 && args[5].equals("floor"); // agiPort is then FanoutFloor's control port
        Thread asterisk = Thread.ofPlatform().daemon().start(floor ? () -> floorKeys(agiPort, keys, pressedAt, callUp)
                : () -> call(agiPort, keys, pressedAt, callUp));
        if (!callUp.await(30, TimeUnit.SECONDS)) {
            System.out.println("RESULT failed=1 reason=no-wait-for-digit");
            System.exit(1);
        }
        Thread.sleep(300); // let new_caller reach everyone
        received.set(0);
        int missing = 0;
        // the first keys run the server's fan-out path before the JIT has compiled it: not measured
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        for (int p = -warmup; p < presses; p++) {
            if (p == 0) {
                System.out.println("MEASURE_START");
                System.out.flush();
                lat.reset();
                first.reset();
                last.reset();
                missing = 0;
            }
            int expected = (p + warmup + 1) * clients;
            firstAt.set(0);
            lastAt.set(0);
            keys.add((char) ('0' + Math.floorMod(p, 10)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (received.get() < expected && System.nanoTime() < deadline) Thread.sleep(1);
            if (firstAt.get() != 0) {
                first.recordValue(Math.min((firstAt.get() - pressedAt.get()) / 1000, 60_000_000L));
                last.recordValue(Math.min((lastAt.get() - pressedAt.get()) / 1000, 60_000_000L));
                System.err.printf("key %d: first app %d µs, last app %d µs%n", p, (firstAt.get() - pressedAt.get()) / 1000,
                        (lastAt.get() - pressedAt.get()) / 1000);
            }
            if (received.get() < expected) {
                missing += expected - received.get();
                received.set(expected);
            }
            Thread.sleep(10);
        }
        System.out.println("MEASURE_END");
        System.out.printf("RESULT failed=0 clients=%d presses=%d missing=%d p50us=%d p99us=%d maxUs=%d firstP50us=%d lastP50us=%d%n",
                clients, presses, missing, lat.getValueAtPercentile(50), lat.getValueAtPercentile(99), lat.getMaxValue(),
                first.getValueAtPercentile(50), last.getValueAtPercentile(50));
        System.out.flush();
        keys.add('H');
        asterisk.join(5000);
        System.exit(0);
    }

    /** Presses keys at {@link FanoutFloor} instead: one byte on its control connection per key. */
    private static void floorKeys(int port, BlockingQueue<Character> keys, java.util.concurrent.atomic.AtomicLong pressedAt,
            CountDownLatch up) {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            OutputStream out = s.getOutputStream();
            up.countDown();
            while (true) {
                char k = keys.take();
                if (k == 'H') return;
                pressedAt.set(System.nanoTime());
                out.write(k);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // done
        }
    }

    /** Plays Asterisk for one FastAGI call to the bridge: answers, and replies to WAIT FOR DIGIT with queued keys. */
    private static void call(int port, BlockingQueue<Character> keys, java.util.concurrent.atomic.AtomicLong pressedAt, CountDownLatch up) {
        try (AgiPeer asterisk = AgiPeer.connect("127.0.0.1", port, Duration.ofSeconds(60), null)) {
            asterisk.sendEnvironment(environment("tinyphone", NUMBER, 1));
            boolean hangup = false;
            String cmd;
            while ((cmd = asterisk.readLine()) != null) {
                String reply = "200 result=0";
                if (cmd.startsWith("WAIT FOR DIGIT")) {
                    up.countDown();
                    Character k = hangup ? null : keys.poll(250, TimeUnit.MILLISECONDS);
                    if (hangup || (k != null && k == 'H')) {
                        hangup = true;
                        asterisk.send("200 result=-1");
                        reply = "HANGUP";
                    } else if (k != null) {
                        pressedAt.set(System.nanoTime());
                        reply = "200 result=" + (int) k;
                    }
                } else if (hangup) {
                    reply = "511 Command Not Permitted on a dead channel or intercept routine";
                }
                asterisk.send(reply);
            }
        } catch (IOException | InterruptedException e) {
            // call over
        }
    }

    /** The environment Asterisk sends for call {@code i} to {@code number} running {@code AGI(agi://.../script)}. */
    static List<String> environment(String script, String number, int i) {
        return FastAgiEnvironment.forScript(script).channel(String.format("PJSIP/trunk-%08x", i))
                .uniqueId("1795446921." + i).callerId("15550001111", "Carol").dnid(number)
                .dialplan("from-trunk", number, "2").lines();
    }
}
