package org.tinyphone.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuardedAcceptorTest {
    private final RecordingLogger log = new RecordingLogger();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
    }

    private static ServerSocket bound() throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        return ss;
    }

    private Socket connect(GuardedAcceptor a) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), a.port());
        s.setSoTimeout(20_000);
        open.add(s);
        return s;
    }

    /** Reads until the server closes: what it sent (a reset after our unread bytes counts as a close too). */
    private static String readToClose(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder got = new StringBuilder();
        try {
            int b;
            while ((b = in.read()) >= 0) got.append((char) b);
        } catch (SocketException reset) {
            // closed with unread input on its side
        }
        return got.toString();
    }

    /** Says "hello", then holds the connection until the peer closes or the latch opens. */
    private static GuardedAcceptor.Handler greeter(CountDownLatch release, AtomicInteger served) {
        return s -> {
            served.incrementAndGet();
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            release.await();
        };
    }

    @Test
    void aConnectionOverTheCapIsClosedAtOnceCountedAndLoggedAndTheNextOneAfterAnEndIsServed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger served = new AtomicInteger();
        GuardedAcceptor a = GuardedAcceptor.builder("test", bound(), greeter(release, served)).maxConnections(2)
                .logger(log).start();
        open.add(a);
        Socket one = connect(a);
        Socket two = connect(a);
        assertThat(new String(one.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
        assertThat(new String(two.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("hello\n");

        assertThat(readToClose(connect(a))).as("the third gets nothing and is closed").isEmpty();
        assertThat(a.stats().refusedByCap()).isEqualTo(1);
        assertThat(a.stats().accepted()).isEqualTo(2);
        assertThat(a.openConnections()).isEqualTo(2);
        assertThat(log.lines).anyMatch(l -> l.startsWith("WARN test: connection from 127.0.0.1 refused: 2 connections open (limit 2)"));

        one.close();
        release.countDown(); // both handlers return: their connections end
        await().atMost(Duration.ofSeconds(20)).until(() -> a.openConnections() == 0);
        assertThat(readToClose(connect(a))).isEqualTo("hello\n");
        assertThat(served).hasValue(3);
    }

    @Test
    void aPeerNotOnTheAllowListIsClosedBeforeAByteIsReadAndNeverReachesTheHandler() throws Exception {
        AtomicInteger served = new AtomicInteger();
        GuardedAcceptor a = GuardedAcceptor.builder("test", bound(), greeter(new CountDownLatch(0), served))
                .allowFrom(InetAddress::isSiteLocalAddress).logger(log).start();
        open.add(a);
        Socket s = connect(a); // sends nothing: a server that waited for a first line would keep it open
        assertThat(readToClose(s)).isEmpty();
        assertThat(served).hasValue(0);
        assertThat(a.stats().refusedByAllowList()).isEqualTo(1);
        assertThat(a.stats().accepted()).isZero();
        assertThat(log.lines).containsExactly("WARN test: connection from 127.0.0.1 refused: address not allowed");
    }

    @Test
    void aFloodOfRefusalsWritesABoundedLog() throws Exception {
        GuardedAcceptor a = GuardedAcceptor.builder("test", bound(), s -> { }).allowFrom(addr -> false).logger(log)
                .logLimiter(new LogLimiter(5, Duration.ofHours(1))).start();
        open.add(a);
        for (int i = 0; i < 300; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), a.port())) {
                s.setSoTimeout(20_000);
                readToClose(s);
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> a.stats().refusedByAllowList() == 300);
        assertThat(log.lines).hasSize(5);
    }

    @Test
    void aHandlerThatThrowsEndsOnlyItsConnection() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        GuardedAcceptor a = GuardedAcceptor.builder("test", bound(), s -> {
            if (calls.incrementAndGet() == 1) throw new IllegalStateException("bad\npeer");
            s.getOutputStream().write('k');
        }).logger(log).start();
        open.add(a);
        assertThat(readToClose(connect(a))).isEmpty();
        assertThat(readToClose(connect(a))).isEqualTo("k");
        assertThat(log.lines).anyMatch(l -> l.startsWith("WARN test: connection from /127.0.0.1:")
                && l.endsWith("failed: java.lang.IllegalStateException: bad\\npeer"));
        assertThat(log.causes).hasSize(1);
    }

    @Test
    void stopAcceptingLeavesOpenConnectionsCloseConnectionsEndsThem() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger served = new AtomicInteger();
        GuardedAcceptor a = GuardedAcceptor.builder("test", bound(), s -> {
            served.incrementAndGet();
            s.getInputStream().read(); // until closed
            never.await();
        }).logger(log).start();
        open.add(a);
        Socket s = connect(a);
        await().atMost(Duration.ofSeconds(20)).until(() -> served.get() == 1);
        int port = a.port();
        a.stopAccepting();
        a.join();
        assertThat(a.awaitIdle(Duration.ofMillis(50))).isFalse();
        try (Socket refused = new Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                    refused.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000))
                    .isInstanceOf(IOException.class);
        }
        a.closeConnections();
        assertThat(readToClose(s)).isEmpty();
    }
}
