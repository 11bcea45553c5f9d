package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.testkit.ami.AsteriskSimulator;
import org.tinyphone.testkit.ami.FakeAmiServer;

/**
 * "Does not lose a keypress": Asterisk floods 50,000 events at a client whose virtual threads share ONE carrier
 * (a 1-CPU container). The reader never parks while data keeps coming, and virtual threads are not time-sliced,
 * so without back-pressure the listener never ran and its queue overflowed. A listener that keeps up on average
 * must see every event. The scheduler size can only be set at JVM start, so the client runs in a child JVM
 * ({@link Client}, on this test's class path); the fake Asterisk runs here, in another process, like the real one.
 */
class ListenerBurstOneCarrierTest {
    private static final int EVENTS = 50_000;

    @Test
    void aFloodOfEventsReachesACountingListenerCompleteOnOneCarrier(@TempDir Path dir) throws Exception {
        AsteriskSimulator sim = new AsteriskSimulator("lab", "labsecret");
        try (FakeAmiServer server = FakeAmiServer.start(sim)) {
            Path out = dir.resolve("client.out");
            Path err = dir.resolve("client.err");
            Process child = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Djdk.virtualThreadScheduler.parallelism=1",
                    "-Djdk.virtualThreadScheduler.maxPoolSize=1",
                    "-XX:ActiveProcessorCount=1",
                    "-Xss1m",
                    "-cp", System.getProperty("java.class.path"),
                    Client.class.getName(), Integer.toString(server.port()), Integer.toString(EVENTS))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> sim.loggedInCount() >= 1 || !child.isAlive());
                assertThat(child.isAlive()).as("client alive; stderr:%n%s", read(err)).isTrue();
                flood(sim);
                assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("client finished; stderr:%n%s", read(err)).isTrue();
                String report = read(out);
                System.out.println("child JVM (one carrier) report:\n" + report);
                assertThat(report).as("client report; stderr tail:%n%s", tail(read(err)))
                        .contains("carriers 1")
                        .contains("end marker seen")
                        .contains("received " + EVENTS + " of " + EVENTS)
                        .contains("out of order 0")
                        .contains("dropped 0");
                assertThat(child.exitValue()).isZero();
            } finally {
                child.destroyForcibly();
            }
        }
    }

    /** 50,000 UserEvents written in 1000-event batches (as fast as TCP takes them), then the end marker. */
    private static void flood(AsteriskSimulator sim) {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (int i = 1; i <= EVENTS; i++) {
            batch.writeBytes(("Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: flood\r\nSeq: " + i
                    + "\r\nUniqueid: 1700000000." + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            if (i % 1000 == 0) {
                sim.emitRaw(batch.toByteArray());
                batch.reset();
            }
        }
        sim.emit(List.of("Event: UserEvent", "Privilege: user,all", "UserEvent: end"));
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    }

    /** The client side, run in the child JVM: a counting listener that keeps up, and a report on stdout. */
    static final class Client {
        public static void main(String[] args) throws Exception {
            int port = Integer.parseInt(args[0]);
            int expected = Integer.parseInt(args[1]);
            AtomicLong got = new AtomicLong();
            AtomicLong outOfOrder = new AtomicLong();
            CountDownLatch end = new CountDownLatch(1);
            try (ManagerConnection ami = ManagerConnection.builder().port(port).username("lab").secret("labsecret")
                    .keepAlive(Duration.ZERO).reconnect(false).build()) {
                Subscription sub = ami.onEvent("UserEvent", e -> {
                    if (e.is("UserEvent", "end")) {
                        end.countDown();
                    } else if (Long.parseLong(e.get("Seq")) != got.incrementAndGet()) {
                        outOfOrder.incrementAndGet();
                    }
                });
                ami.connect();
                boolean seen = end.await(30, TimeUnit.SECONDS);
                System.out.println("carriers " + System.getProperty("jdk.virtualThreadScheduler.parallelism"));
                System.out.println(seen ? "end marker seen" : "end marker NOT seen within 30 s");
                System.out.println("received " + got.get() + " of " + expected);
                System.out.println("out of order " + outOfOrder.get());
                System.out.println("dropped " + sub.dropped() + " (connection total " + ami.droppedEvents() + ")");
            }
            System.out.flush();
            System.exit(0);
        }
    }
}
