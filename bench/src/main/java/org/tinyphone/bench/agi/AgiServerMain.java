package org.tinyphone.bench.agi;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The server process of the FastAGI and memory cases: runs one FastAGI server ({@code tinyphone},
 * {@code asterisk-java} with its default pool, or {@code asterisk-java-raised}) with one script
 * ({@code call}: ANSWER, GET VARIABLE, STREAM FILE ×2, SAY NUMBER, HANGUP; {@code park}: WAIT FOR DIGIT -1, HANGUP),
 * or {@code floor} ({@link FloorAgi}, the call script only: the least a virtual-thread server can cost).
 * Prints {@code READY port=N}; on stdin {@code heap} → full GC, then {@code HEAP used=<bytes>}.
 */
public final class AgiServerMain {
    private AgiServerMain() {}

    /** A FastAGI server under test, started on a loopback port. */
    public interface Impl extends AutoCloseable {
        /** Starts serving {@code script} on 127.0.0.1; returns the bound port. */
        int start(String script) throws Exception;
    }

    public static Impl impl(String name) {
        return switch (name) {
            case "tinyphone" -> TinyphoneAgi.create();
            case "asterisk-java" -> new AsteriskJavaAgi(false);
            case "asterisk-java-raised" -> new AsteriskJavaAgi(true);
            case "floor" -> new FloorAgi();
            default -> throw new IllegalArgumentException("unknown server " + name);
        };
    }

    public static void main(String[] args) throws Exception {
        Impl impl = impl(args[0]);
        int port = impl.start(args[1]);
        awaitListening(port);
        System.out.println("READY port=" + port);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line.trim()) {
                case "heap" -> {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                        Thread.sleep(50);
                    }
                    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                    System.out.println("HEAP used=" + heap.getUsed() + " committed=" + heap.getCommitted());
                }
                case "exit" -> {
                    Runtime.getRuntime().halt(0);
                }
                default -> System.out.println("ERROR unknown command " + line);
            }
            System.out.flush();
        }
        Runtime.getRuntime().halt(0);
    }

    static void awaitListening(int port) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(25);
            }
        }
        throw new IllegalStateException("server not listening on " + port);
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
