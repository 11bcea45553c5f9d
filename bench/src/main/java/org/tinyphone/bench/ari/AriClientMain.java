package org.tinyphone.bench.ari;

import ch.loway.oss.ari4java.ARI;
import ch.loway.oss.ari4java.AriVersion;
import ch.loway.oss.ari4java.generated.models.Channel;
import ch.loway.oss.ari4java.generated.models.Message;
import ch.loway.oss.ari4java.generated.models.StasisEnd;
import ch.loway.oss.ari4java.generated.models.StasisStart;
import ch.loway.oss.ari4java.tools.AriCallback;
import ch.loway.oss.ari4java.tools.RestException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.tinyphone.ari.AriClient;
import org.tinyphone.ari.AriEvent;

/**
 * {@code BenchMain ari-client tinyphone|ari4java URL APP}: one library's Stasis app connected to the simulated
 * Asterisk, as a process of its own (its heap is the app's), driven by lines on stdin: {@code calls} (how many calls
 * the app holds in Stasis), {@code heap} (heap used after GC), {@code rest ID N CONCURRENCY} (N requests
 * {@code GET /channels/ID} through the library, from CONCURRENCY threads), {@code exit}. Prints {@code READY} once
 * connected.
 *
 * <p>Each library holds calls its own way. Tinyphone: every call runs the app on its own virtual thread, here one
 * that waits for the call's events until its StasisEnd (the documented model). ari4java has no call object: its events
 * callback gets every message, and the app keeps each channel of a StasisStart in a map until its StasisEnd (the
 * least an app must do to know its calls).
 */
public final class AriClientMain {
    private AriClientMain() {}

    /** What the harness asks of a library. */
    interface Lib extends AutoCloseable {
        int calls();

        /** Event messages the library could not deliver. */
        default long failures() { return 0; }

        /** One {@code GET /channels/{id}}; returns the channel's id as the library read it. */
        String getChannel(String id) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String which = args[0], url = args[1], app = args[2];
        try (Lib lib = which.equals("tinyphone") ? tinyphone(url, app) : ari4java(url, app)) {
            System.out.println("READY lib=" + which);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.trim().split("\\s+");
                switch (w[0]) {
                    case "calls" -> System.out.println("CALLS n=" + lib.calls() + " failures=" + lib.failures());
                    case "heap" -> {
                        for (int i = 0; i < 3; i++) {
                            System.gc();
                            Thread.sleep(100);
                        }
                        System.out.println("HEAP used=" + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                    }
                    case "rest" -> System.out.println(rest(lib, w[1], Integer.parseInt(w[2]), Integer.parseInt(w[3])));
                    case "exit" -> {
                        return;
                    }
                    default -> System.out.println("ERROR unknown command " + w[0]);
                }
            }
        }
    }

    /** n requests from {@code conc} platform threads; the RESULT line: latency p50/p99 (µs), requests/s, errors. */
    static String rest(Lib lib, String id, int n, int conc) throws InterruptedException {
        Recorder rec = new Recorder(3);
        AtomicLong left = new AtomicLong(n), errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(conc);
        long t0 = System.nanoTime();
        for (int t = 0; t < conc; t++) {
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (left.getAndDecrement() > 0) {
                        long s = System.nanoTime();
                        try {
                            String got = lib.getChannel(id);
                            if (!id.equals(got) && errors.incrementAndGet() <= 5) System.err.println("rest: channel " + got + ", not " + id);
                        } catch (Exception e) {
                            if (errors.incrementAndGet() <= 5) System.err.println("rest: " + e);
                        }
                        rec.recordValue((System.nanoTime() - s) / 1000);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        long t1 = System.nanoTime();
        Histogram h = rec.getIntervalHistogram();
        return String.format(java.util.Locale.ROOT, "REST n=%d conc=%d p50us=%d p99us=%d rps=%d errors=%d", n, conc,
                h.getValueAtPercentile(50), h.getValueAtPercentile(99), Math.round(n / ((t1 - t0) / 1e9)), errors.get());
    }

    static Lib tinyphone(String url, String app) {
        AriClient client = AriClient.builder().url(url).credentials(AriSimMain.USER, AriSimMain.PASSWORD)
                .app(app, call -> {
                    for (AriEvent e = call.nextEvent(); !(e instanceof AriEvent.StasisEnd); e = call.nextEvent()) {
                        // held in Stasis: the call's events are read, nothing else is done
                    }
                })
                .build();
        client.connect(Duration.ofSeconds(30));
        return new Lib() {
            @Override public int calls() { return client.calls().size(); }
            @Override public String getChannel(String id) { return client.ari().channels().get(id).id(); }
            @Override public void close() { client.close(); }
        };
    }

    static Lib ari4java(String url, String app) throws Exception {
        ARI ari = ARI.build(url.endsWith("/") ? url : url + "/", app, AriSimMain.USER, AriSimMain.PASSWORD, AriVersion.ARI_10_0_0);
        Map<String, Channel> calls = new ConcurrentHashMap<>();
        AtomicLong failures = new AtomicLong();
        ari.eventsCallback(new AriCallback<Message>() {
            @Override
            public void onSuccess(Message m) {
                if (m instanceof StasisStart s) calls.put(s.getChannel().getId(), s.getChannel());
                else if (m instanceof StasisEnd e) calls.remove(e.getChannel().getId());
            }

            @Override
            public void onFailure(RestException e) {
                failures.incrementAndGet();
                System.err.println("ari4java events: " + e);
            }
        });
        // isWsConnected() is true before Asterisk has registered the app (a call placed then is lost): ask Asterisk
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                if (ari.isWsConnected() && app.equals(ari.applications().get(app).execute().getName())) break;
            } catch (RestException notYet) {
                // 404 until the upgrade is through
            }
            if (System.nanoTime() > deadline) throw new IllegalStateException("ari4java: app " + app + " not registered after 30 s");
            Thread.sleep(20);
        }
        return new Lib() {
            @Override public int calls() { return calls.size(); }
            @Override public long failures() { return failures.get(); }
            @Override public String getChannel(String id) throws RestException { return ari.channels().get(id).execute().getId(); }
            @Override public void close() { ari.cleanup(); }
        };
    }
}
