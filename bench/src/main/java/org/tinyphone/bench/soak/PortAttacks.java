package org.tinyphone.bench.soak;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link MaliciousClient}'s attacks on the client ports (native TCP and HTTP/WebSocket), one attempt at a time, each
 * with the answer it must get: garbage, over-long lines, bad UTF-8, deep JSON, wrong types and tokens, malformed
 * original-dialect lines, churn, resets, half-open connections, bad WebSocket frames, HTTP garbage, a subscription flood.
 */
final class PortAttacks {
    /** Every kind, in the order {@link MaliciousClient} takes them. */
    static final String[] KINDS = {"garbage first line", "over-long first line", "over-long line",
            "not UTF-8", "not UTF-8 in a string", "deep JSON arrays", "deep JSON objects", "wrong types and versions",
            "wrong token", "original dialect malformed", "connection churn", "reset mid-line", "half-open",
            "WebSocket foreign Origin", "WebSocket not UTF-8", "WebSocket unmasked frame", "WebSocket binary frame",
            "WebSocket over-long message", "HTTP garbage", "subscription flood"};

    private final int clientsPort;
    private final int httpPort;
    private final Random random;
    private final HalfOpenConns halfOpen;
    /** Attempts made (each opens at least one connection). */
    final AtomicLong connections = new AtomicLong();

    PortAttacks(int clientsPort, int httpPort, Random random, HalfOpenConns halfOpen) {
        this.clientsPort = clientsPort;
        this.httpPort = httpPort;
        this.random = random;
        this.halfOpen = halfOpen;
    }

    /** One attempt; null if the server answered as it must, else what was wrong. */
    String attack(String kind) throws IOException, InterruptedException {
        connections.incrementAndGet();
        switch (kind) {
            case "garbage first line" -> {
                byte[] junk = new byte[1 + random.nextInt(2000)];
                random.nextBytes(junk);
                for (int i = 0; i < junk.length; i++) if (junk[i] == '\n') junk[i] = '?';
                junk[0] = '!';
                try (RawConn c = RawConn.open(clientsPort, 0)) {
                    c.send(junk);
                    c.send("\n");
                    return expect(c.awaitLine("unknown_dialect", 5000), "unknown_dialect");
                }
            }
            case "over-long first line" -> {
                try (RawConn c = RawConn.open(clientsPort, 0)) {
                    c.send("A".repeat(20_000 + random.nextInt(200_000)) + "\n");
                    return expect(c.awaitLine("line_too_long", 5000), "line_too_long");
                }
            }
            case "over-long line" -> {
                try (RawConn c = RawConn.open(clientsPort, 0)) {
                    c.send("{\"type\":\"ping\",\"id\":1}\n{\"type\":\"subscribe\",\"number\":\"" + "9".repeat(40_000)
                            + "\"}\n{\"type\":\"ping\",\"id\":2}\n");
                    String a = expect(c.awaitLine("line_too_long", 5000), "line_too_long");
                    return a != null ? a : expect(c.awaitLine("\"id\":2", 5000), "pong 2 after it");
                }
            }
            case "not UTF-8" -> {
                return nativeExchange(bytes("{\"type\":", new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3}, "}\n"), "bad_json");
            }
            case "not UTF-8 in a string" -> {
                // the bytes become U+FFFD; the ping is answered and nothing else happens
                return nativeExchange(bytes("{\"type\":\"ping\",\"id\":\"", new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3}, "\"}\n"),
                        "\"type\":\"pong\"");
            }
            case "deep JSON arrays" -> {
                return nativeExchange(("[".repeat(5000) + "]".repeat(5000) + "\n").getBytes(StandardCharsets.US_ASCII), "bad_json");
            }
            case "deep JSON objects" -> {
                return nativeExchange(("{\"a\":".repeat(2500) + "1" + "}".repeat(2500) + "\n").getBytes(StandardCharsets.US_ASCII),
                        "bad_json");
            }
            case "wrong types and versions" -> {
                try (RawConn c = RawConn.open(clientsPort, 0)) {
                    String[][] tries = {
                            {"{\"type\":\"subscribe\",\"number\":{\"x\":[1]},\"id\":\"t1\"}", "bad_message"},
                            {"{\"v\":2,\"type\":\"ping\",\"id\":\"t2\"}", "unsupported_version"},
                            {"{\"type\":\"frobnicate\",\"id\":\"t3\"}", "unknown_type"},
                            {"{\"type\":\"command\",\"id\":\"t4\",\"command\":\"play\"}", "bad_message"},
                            {"{\"type\":\"command\",\"id\":\"t5\",\"call\":\"1.2\",\"command\":\"hangup\"}", "no_such_call"},
                            {"[1,2,3]", "bad_message"},
                            {"{\"type\":\"unsubscribe\",\"number\":\"15550100001\",\"id\":\"t7\"}", "not_subscribed"}};
                    for (String[] t : tries) {
                        c.send(t[0] + "\n");
                        String a = expect(c.awaitLine(t[1], 5000), t[1] + " for " + t[0]);
                        if (a != null) return a;
                    }
                    return null;
                }
            }
            case "wrong token" -> {
                try (RawConn c = RawConn.open(clientsPort, 0)) {
                    c.send("{\"type\":\"subscribe\",\"number\":\"15550100001\",\"token\":\"guess-" + random.nextInt(1000) + "\",\"id\":\"w\"}\n");
                    return expect(c.awaitLine("forbidden", 5000), "forbidden");
                }
            }
            case "original dialect malformed" -> {
                try (RawConn c = RawConn.open(clientsPort, 0)) {
                    StringBuilder junk = new StringBuilder("CONNECT,only-two\n");
                    for (int i = 0; i < 50; i++) junk.append("CONNECT,a,b,c,d,e,f\n").append("\u001b[2J\u0007\n");
                    c.send(junk.toString());
                    // the hub logged and ignored such lines; nothing comes back and the connection stays
                    if (c.closedWithin(500)) return "closed the connection";
                    try {
                        String l = c.readLine(200);
                        return l == null ? "closed the connection" : "answered " + Problems.printable(l);
                    } catch (SocketTimeoutException e) {
                        return null;
                    }
                }
            }
            case "connection churn" -> {
                for (int i = 0; i < 30; i++) {
                    RawConn.open(i % 2 == 0 ? clientsPort : httpPort, 0).close();
                }
                return null;
            }
            case "reset mid-line" -> {
                for (int i = 0; i < 10; i++) {
                    RawConn c = RawConn.open(i % 2 == 0 ? clientsPort : httpPort, 0);
                    c.send(i % 2 == 0 ? "{\"type\":\"subscribe\",\"num" : "GET /ws HTTP/1.1\r\nHost: 127.0");
                    c.socket.setSoLinger(true, 0); // RST instead of FIN
                    c.close();
                }
                return null;
            }
            case "half-open" -> {
                if (halfOpen.full()) return null;
                int which = random.nextInt(4);
                RawConn c = RawConn.open(which < 2 ? clientsPort : httpPort, 0);
                String k;
                switch (which) {
                    case 0 -> k = "12002 silent";
                    case 1 -> {
                        c.send("{\"type\":\"subscribe\",\"number\":\"1555");
                        k = "12002 half a line";
                    }
                    case 2 -> {
                        c.send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websock");
                        k = "12003 half a header";
                    }
                    default -> k = "12003 silent";
                }
                halfOpen.hold(c, k);
                return null;
            }
            case "WebSocket foreign Origin" -> {
                try (RawConn c = RawConn.open(httpPort, 0)) {
                    c.upgrade(httpPort, "http://evil.example");
                    String status = c.readResponseHead(5000);
                    return status != null && status.contains(" 403") ? null : "answered " + status;
                }
            }
            case "WebSocket not UTF-8" -> {
                return webSocket(RawConn.frame(0x1, new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'}, true), null);
            }
            case "WebSocket unmasked frame" -> {
                return webSocket(RawConn.frame(0x1, "{\"type\":\"ping\"}".getBytes(StandardCharsets.US_ASCII), false), null);
            }
            case "WebSocket binary frame" -> {
                return webSocket(RawConn.frame(0x2, new byte[] {1, 2, 3}, true), "bad_message");
            }
            case "WebSocket over-long message" -> {
                String big = "{\"type\":\"subscribe\",\"number\":\"" + "9".repeat(100_000) + "\"}";
                return webSocket(RawConn.text(big), "line_too_long");
            }
            case "HTTP garbage" -> {
                try (RawConn c = RawConn.open(httpPort, 0)) {
                    c.send(bytes("", new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xff}, "GARBAGE / HTTP/9.9\r\n\r\n"));
                    String status;
                    try {
                        status = c.readResponseHead(5000);
                    } catch (IOException e) {
                        return null; // reset: refused
                    }
                    return status == null || status.startsWith("HTTP/1.1 4") ? null : "answered " + status;
                }
            }
            case "subscription flood" -> {
                try (RawConn c = RawConn.open(clientsPort, 0)) {
                    StringBuilder b = new StringBuilder();
                    for (int i = 0; i <= 1000; i++) {
                        b.append("{\"type\":\"subscribe\",\"number\":\"1555").append(String.format("%07d", 8_000_000 + i))
                                .append("\",\"id\":").append(i).append("}\n");
                    }
                    c.send(b.toString());
                    return expect(c.awaitLine("too_many_subscriptions", 30_000), "too_many_subscriptions");
                }
            }
            default -> throw new IllegalStateException(kind);
        }
    }

    /** Sends {@code first} as a native client's first line and waits for a line containing {@code want}. */
    private String nativeExchange(byte[] first, String want) throws IOException {
        try (RawConn c = RawConn.open(clientsPort, 0)) {
            c.send("{\"type\":\"ping\",\"id\":0}\n");
            c.send(first);
            String a = expect(c.awaitLine(want, 5000), want);
            if (a != null) return a;
            c.send("{\"type\":\"ping\",\"id\":\"after\"}\n");
            return expect(c.awaitLine("\"after\"", 5000), "a pong after it (the connection stays up)");
        }
    }

    /** Opens a WebSocket, sends one frame; {@code want} null: the server must close it, else reply with it. */
    private String webSocket(byte[] frame, String want) throws IOException {
        try (RawConn c = RawConn.open(httpPort, 0)) {
            c.upgrade(httpPort, null);
            String status = c.readResponseHead(5000);
            if (status == null || !status.contains(" 101")) return "upgrade answered " + status;
            c.send(frame);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                String text;
                try {
                    text = c.readText(5000);
                } catch (SocketTimeoutException e) {
                    break;
                } catch (IOException e) {
                    return want == null ? null : "closed instead of " + want;
                }
                if (text == null) return want == null ? null : "closed instead of " + want;
                if (want != null && text.contains(want)) return null;
            }
            return want == null ? "still open 5 s later" : "no " + want + " within 5 s";
        }
    }

    /** Null if {@code line} is the answer wanted; else what was wrong ({@code awaitLine} puts it in brackets). */
    private static String expect(String line, String what) {
        if (line == null) return "closed without " + what;
        return line.startsWith("(") ? line : null;
    }

    private static byte[] bytes(String head, byte[] middle, String tail) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        b.writeBytes(middle);
        b.writeBytes(tail.getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }
}
