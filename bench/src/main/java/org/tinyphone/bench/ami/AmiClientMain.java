package org.tinyphone.bench.ami;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.asteriskjava.manager.ManagerConnectionFactory;
import org.asteriskjava.manager.action.CommandAction;
import org.asteriskjava.manager.action.PingAction;
import org.asteriskjava.manager.event.VarSetEvent;
import org.tinyphone.ami.AmiAction;
import org.tinyphone.ami.ManagerConnection;

/**
 * The client process of ami-e2e: logs in to the fake Asterisk with one library, asks for a flood of N events,
 * counts what its event listener sees until the end marker, and meanwhile sends Ping after Ping, timing each
 * round trip. Prints {@code RESULT seen=.. floodMs=.. pings=.. pingP50us=.. pingP99us=..}.
 */
public final class AmiClientMain {
    private AmiClientMain() {}

    interface Client extends AutoCloseable {
        void ping() throws Exception;

        void flood(long n) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String impl = args[0];
        int port = Integer.parseInt(args[1]);
        long n = Long.parseLong(args[2]);
        AtomicLong seen = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        long[] doneAt = new long[1];
        Runnable marker = () -> {
            doneAt[0] = System.nanoTime();
            done.countDown();
        };
        try (Client c = impl.equals("tinyphone") ? tinyphone(port, seen, marker) : asteriskJava(port, seen, marker)) {
            for (int i = 0; i < 200; i++) c.ping(); // warm the action path
            // warm the event path with a small flood, then reset
            runFlood(c, Math.min(n / 10, 50_000), seen, done, doneAt, false);
        }
        // second connection: the measured one (fresh state, warm JIT)
        AtomicLong seen2 = new AtomicLong();
        CountDownLatch done2 = new CountDownLatch(1);
        long[] doneAt2 = new long[1];
        Runnable marker2 = () -> {
            doneAt2[0] = System.nanoTime();
            done2.countDown();
        };
        try (Client c = impl.equals("tinyphone") ? tinyphone(port, seen2, marker2) : asteriskJava(port, seen2, marker2)) {
            runFlood(c, n, seen2, done2, doneAt2, true);
        }
        System.out.flush();
        System.exit(0);
    }

    private static void runFlood(Client c, long n, AtomicLong seen, CountDownLatch done, long[] doneAt, boolean print)
            throws Exception {
        Histogram pings = new Histogram(60_000_000L, 2);
        seen.set(0);
        long t0 = System.nanoTime();
        c.flood(n);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        long lastSeen = -1, lastProgress = System.nanoTime();
        boolean stalled = false;
        while (done.getCount() > 0 && System.nanoTime() < deadline) {
            long p0 = System.nanoTime();
            c.ping();
            pings.recordValue(Math.min((System.nanoTime() - p0) / 1000, 60_000_000L));
            Thread.sleep(5); // one Ping every ~5 ms: a sample of action latency, not a second flood
            long s = seen.get();
            if (s != lastSeen) {
                lastSeen = s;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(5)) {
                stalled = true; // the listener has seen nothing for 5 s: events were lost, the marker won't come
                break;
            }
        }
        boolean finished = !stalled && done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        long end = finished ? doneAt[0] : System.nanoTime();
        if (print) {
            System.out.printf("RESULT finished=%d seen=%d floodMs=%d pings=%d pingP50us=%d pingP99us=%d pingMaxUs=%d%n",
                    finished ? 1 : 0, seen.get(), (end - t0) / 1_000_000, pings.getTotalCount(),
                    pings.getValueAtPercentile(50), pings.getValueAtPercentile(99), pings.getMaxValue());
        }
    }

    private static Client tinyphone(int port, AtomicLong seen, Runnable marker) {
        ManagerConnection ami = ManagerConnection.builder().host("127.0.0.1").port(port).username("bench").secret("bench")
                .reconnect(false).actionTimeout(Duration.ofSeconds(60)).build();
        ami.onEvents(m -> {
            if (m.isEvent("VarSet") && FakeAsteriskAmi.DONE_VARIABLE.equals(m.get("Variable"))) marker.run();
            else seen.incrementAndGet();
        });
        ami.connect();
        return new Client() {
            @Override
            public void ping() {
                ami.call(AmiAction.of("Ping"));
            }

            @Override
            public void flood(long n) {
                ami.call(AmiAction.of("Command").add("Command", "flood " + n));
            }

            @Override
            public void close() {
                ami.close();
            }
        };
    }

    private static Client asteriskJava(int port, AtomicLong seen, Runnable marker) throws Exception {
        org.asteriskjava.manager.ManagerConnection ami =
                new ManagerConnectionFactory("127.0.0.1", port, "bench", "bench").createManagerConnection();
        ami.addEventListener(e -> {
            if (e instanceof VarSetEvent v && FakeAsteriskAmi.DONE_VARIABLE.equals(v.getVariable())) marker.run();
            else seen.incrementAndGet();
        });
        ami.login();
        return new Client() {
            @Override
            public void ping() throws Exception {
                ami.sendAction(new PingAction(), 60_000);
            }

            @Override
            public void flood(long n) throws Exception {
                ami.sendAction(new CommandAction("flood " + n), 60_000);
            }

            @Override
            public void close() {
                ami.logoff();
            }
        };
    }
}
