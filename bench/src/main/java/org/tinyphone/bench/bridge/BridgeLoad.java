package org.tinyphone.bench.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * The client side of the bridge case, run as its own process: N WebSocket apps subscribe to one number on the
 * server's /ws (native dialect), then one FastAGI call to that number (we play Asterisk) presses keys: each key
 * is the reply to the server's pending WAIT FOR DIGIT, and its latency is the time until each app has the
 * {@code keypress} event. Prints {@code RESULT clients=.. presses=.. received=.. p50us=.. p99us=.. maxUs=..}.
 */
public final class BridgeLoad {
    static final String NUMBER = "13605162099";

    private BridgeLoad() {}

    /** {@code bridge-load <httpPort> <fastagiPort> <clients> <presses>} */
    public static void main(String[] args) throws Exception {
        int httpPort = Integer.parseInt(args[0]), agiPort = Integer.parseInt(args[1]);
        int clients = Integer.parseInt(args[2]), presses = Integer.parseInt(args[3]);
        ConcurrentHistogram lat = new ConcurrentHistogram(60_000_000L, 3);
        AtomicInteger received = new AtomicInteger();
        AtomicInteger subscribed = new AtomicInteger();
        long[] pressedAt = new long[1];
        java.util.concurrent.atomic.AtomicLong firstAt = new java.util.concurrent.atomic.AtomicLong(),
                lastAt = new java.util.concurrent.atomic.AtomicLong();
        org.HdrHistogram.Histogram first = new org.HdrHistogram.Histogram(60_000_000L, 3),
                last = new org.HdrHistogram.Histogram(60_000_000L, 3);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<WebSocket> sockets = new ArrayList<>();
        CountDownLatch allSubscribed = new CountDownLatch(clients);
        for (int i = 0; i < clients; i++) {
            WebSocket.Listener l = new WebSocket.Listener() {
                private final StringBuilder buf = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    long now = System.nanoTime();
                    buf.append(data);
                    if (last) {
                        String msg = buf.toString();
                        buf.setLength(0);
                        if (msg.contains("\"type\":\"keypress\"")) {
                            lat.recordValue(Math.min((now - pressedAt[0]) / 1000, 60_000_000L));
                            firstAt.compareAndSet(0, now);
                            lastAt.accumulateAndGet(now, Math::max);
                            received.incrementAndGet();
                        } else if (msg.contains("\"type\":\"subscribed\"")) {
                            subscribed.incrementAndGet();
                            allSubscribed.countDown();
                        }
                    }
                    ws.request(1);
                    return null;
                }
            };
            sockets.add(http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + httpPort + "/ws"), l)
                    .get(30, TimeUnit.SECONDS));
        }
        for (WebSocket ws : sockets) {
            ws.sendText("{\"type\":\"subscribe\",\"number\":\"" + NUMBER + "\",\"id\":\"s1\"}", true);
        }
        if (!allSubscribed.await(60, TimeUnit.SECONDS)) {
            System.out.println("RESULT failed=1 subscribed=" + subscribed.get());
            System.exit(1);
        }
        BlockingQueue<Character> keys = new LinkedBlockingQueue<>();
        CountDownLatch callUp = new CountDownLatch(1);
        Thread asterisk = Thread.ofPlatform().daemon().start(() -> call(agiPort, keys, pressedAt, callUp));
        if (!callUp.await(30, TimeUnit.SECONDS)) {
            System.out.println("RESULT failed=1 reason=no-wait-for-digit");
            System.exit(1);
        }
        Thread.sleep(300); // let new_caller reach everyone
        lat.reset();
        received.set(0);
        int missing = 0;
        for (int p = 0; p < presses; p++) {
            int expected = (p + 1) * clients;
            firstAt.set(0);
            lastAt.set(0);
            keys.add((char) ('0' + p % 10));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (received.get() < expected && System.nanoTime() < deadline) Thread.sleep(1);
            if (firstAt.get() != 0) {
                first.recordValue(Math.min((firstAt.get() - pressedAt[0]) / 1000, 60_000_000L));
                last.recordValue(Math.min((lastAt.get() - pressedAt[0]) / 1000, 60_000_000L));
            }
            if (received.get() < expected) {
                missing += expected - received.get();
                received.set(expected);
            }
            Thread.sleep(10);
        }
        System.out.printf("RESULT failed=0 clients=%d presses=%d missing=%d p50us=%d p99us=%d maxUs=%d firstP50us=%d lastP50us=%d%n",
                clients, presses, missing, lat.getValueAtPercentile(50), lat.getValueAtPercentile(99), lat.getMaxValue(),
                first.getValueAtPercentile(50), last.getValueAtPercentile(50));
        System.out.flush();
        keys.add('H');
        asterisk.join(5000);
        System.exit(0);
    }

    /** Plays Asterisk for one FastAGI call to the bridge: answers, and replies to WAIT FOR DIGIT with queued keys. */
    private static void call(int port, BlockingQueue<Character> keys, long[] pressedAt, CountDownLatch up) {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            String env = "agi_network: yes\nagi_network_script: tinyphone\nagi_request: agi://127.0.0.1:4573/tinyphone\n"
                    + "agi_channel: PJSIP/trunk-00000001\nagi_language: en\nagi_type: PJSIP\nagi_uniqueid: 1795446921.1\n"
                    + "agi_version: 22.10.1\nagi_callerid: 15550001111\nagi_calleridname: Carol\nagi_callingpres: 0\n"
                    + "agi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\nagi_dnid: " + NUMBER + "\nagi_rdnis: unknown\n"
                    + "agi_context: from-trunk\nagi_extension: " + NUMBER + "\nagi_priority: 2\nagi_enhanced: 0.0\n"
                    + "agi_accountcode: \nagi_threadid: 139868254078656\n\n";
            out.write(env.getBytes(StandardCharsets.US_ASCII));
            StringBuilder line = new StringBuilder();
            int c;
            boolean hangup = false;
            while ((c = in.read()) >= 0) {
                if (c != '\n') {
                    line.append((char) c);
                    continue;
                }
                String cmd = line.toString();
                line.setLength(0);
                String reply = "200 result=0\n";
                if (cmd.startsWith("WAIT FOR DIGIT")) {
                    up.countDown();
                    if (hangup) {
                        reply = "200 result=-1\nHANGUP\n";
                    } else {
                        Character k = keys.poll(250, TimeUnit.MILLISECONDS);
                        if (k != null && k == 'H') {
                            hangup = true;
                            reply = "200 result=-1\nHANGUP\n";
                        } else if (k != null) {
                            pressedAt[0] = System.nanoTime();
                            reply = "200 result=" + (int) k + "\n";
                        }
                    }
                } else if (hangup) {
                    reply = "511 Command Not Permitted on a dead channel or intercept routine\n";
                }
                out.write(reply.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // call over
        }
    }
}
