package org.tinyphone.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything an outsider on this machine might throw at the client ports, in turn, a few times a second: garbage,
 * over-long lines, bytes that are not UTF-8, deep JSON, wrong types and versions, wrong tokens, a subscription flood,
 * malformed lines of the original dialect, connection churn and resets, connections left half-open (TCP and HTTP),
 * WebSockets from a foreign origin or breaking the framing rules; and talk-back attacks on the live calls it watches
 * ({@code set_variable FILE(...)}, {@code play /etc/passwd}, …) plus a hangup from a client that does not watch the
 * call. Each attempt has the answer it must get; anything else is listed. What the good clients see must not change.
 */
final class MaliciousClient implements Runnable {
    /** Attempts of one kind, and how many got the answer they must get. */
    static final class Tally {
        final AtomicLong tried = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong unexpected = new AtomicLong();
        final AtomicLong neutral = new AtomicLong(); // the call ended before the attack reached it
    }

    private static final int HALF_OPEN_MAX = 16;
    private static final long HALF_OPEN_HOLD_NANOS = 90_000_000_000L;

    private final int clientsPort;
    private final int httpPort;
    private final Random random;
    private final Map<String, Tally> tallies = new LinkedHashMap<>(); // kinds fixed at construction
    private final Ledger.Problems unexpected = new Ledger.Problems();
    private final List<HalfOpen> halfOpen = new ArrayList<>();
    private volatile boolean stopped;
    private volatile Thread thread;
    private JsonLines attacker;
    private JsonLines outsider;
    private final Map<String, String> pending = new ConcurrentHashMap<>(); // request id -> attack kind
    private final AtomicLong ids = new AtomicLong();
    final AtomicLong halfOpened = new AtomicLong();
    final AtomicLong halfClosedByServer = new AtomicLong();
    final AtomicLong halfClosedByUs = new AtomicLong();
    final AtomicLong connections = new AtomicLong();
    /** Per kind of half-open connection: {opened, closed by the server, seconds they lasted until then (sum)}. */
    final Map<String, long[]> halfOpenKinds = new java.util.TreeMap<>(); // guarded by halfOpen

    private record HalfOpen(RawConn conn, long opened, String kind) {}

    /** The talk-back attacks: the command and its fields; each must be refused before anything reaches Asterisk. */
    private static final List<Object[]> TALKBACK = List.of(
            new Object[] {"set_variable FILE()", "set_variable", Map.of("name", "FILE(/tmp/tinyphone-soak-pwned)", "value", "x")},
            new Object[] {"set_variable DB()", "set_variable", Map.of("name", "DB(soak/pwned)", "value", "1")},
            new Object[] {"set_variable SHELL()", "set_variable", Map.of("name", "SHELL(touch /tmp/tinyphone-soak-pwned)", "value", "1")},
            new Object[] {"set_variable AGISIGHUP", "set_variable", Map.of("name", "AGISIGHUP", "value", "no")},
            new Object[] {"set_variable DYNAMIC_FEATURES", "set_variable", Map.of("name", "DYNAMIC_FEATURES", "value", "automon")},
            new Object[] {"set_variable value with CR LF", "set_variable", Map.of("name", "SOAK", "value", "a\r\nEXEC System id")},
            new Object[] {"set_variable value too long", "set_variable", Map.of("name", "SOAK", "value", "x".repeat(2000))},
            new Object[] {"play /etc/passwd", "play", Map.of("file", "/etc/passwd")},
            new Object[] {"play ../ path", "play", Map.of("file", "../../../../etc/passwd")},
            new Object[] {"play digits/../..", "play", Map.of("file", "digits/../../../../var/spool/asterisk/voicemail/default/1234/INBOX/msg0000")},
            new Object[] {"play URL", "play", Map.of("file", "http://evil.example/x")},
            new Object[] {"play escape digits injection", "play", Map.of("file", "hello-world", "escape_digits", "1\" EXEC System id")},
            new Object[] {"collect_digits prompt path", "collect_digits", Map.of("prompt", "/var/spool/asterisk/voicemail/default/1234/INBOX/msg0000")},
            new Object[] {"say_number not a number", "say_number", Map.of("number", "1 EXEC System id")},
            new Object[] {"say_number over 32 bits", "say_number", Map.of("number", 99_999_999_999L)},
            new Object[] {"say_digits letters", "say_digits", Map.of("digits", "12a")},
            new Object[] {"say_digits quote injection", "say_digits", Map.of("digits", "1\" EXEC System \"id")},
            new Object[] {"exec command", "exec", Map.of("app", "System", "data", "id")});

    private static final String[] ATTACKS = {"garbage first line", "over-long first line", "over-long line",
            "not UTF-8", "not UTF-8 in a string", "deep JSON arrays", "deep JSON objects", "wrong types and versions",
            "wrong token", "original dialect malformed", "connection churn", "reset mid-line", "half-open",
            "WebSocket foreign Origin", "WebSocket not UTF-8", "WebSocket unmasked frame", "WebSocket binary frame",
            "WebSocket over-long message", "HTTP garbage", "subscription flood"};

    MaliciousClient(int clientsPort, int httpPort, long seed) {
        this.clientsPort = clientsPort;
        this.httpPort = httpPort;
        this.random = new Random(seed);
        for (String a : ATTACKS) tallies.put(a, new Tally());
        for (Object[] t : TALKBACK) tallies.put("talk-back: " + t[0], new Tally());
        tallies.put("talk-back: hangup a call not watched", new Tally());
    }

    /** Connects the talk-back attacker (it watches every soak number) and the outsider (it watches another). */
    void start(List<String> numbers) throws IOException, InterruptedException {
        attacker = new JsonLines("malicious-talkback", clientsPort, l -> onAttackerMessage(parse(l)), this::lost);
        attacker.open();
        for (String n : numbers) attacker.send("{\"type\":\"subscribe\",\"number\":\"" + n + "\"}");
        outsider = new JsonLines("malicious-outsider", clientsPort, l -> onOutsiderMessage(parse(l)), this::lost);
        outsider.open();
        outsider.send("{\"type\":\"subscribe\",\"number\":\"15559990000\"}");
    }

    Map<String, Tally> tallies() {
        return tallies;
    }

    Ledger.Problems unexpected() {
        return unexpected;
    }

    long tried() {
        return tallies.values().stream().mapToLong(t -> t.tried.get()).sum();
    }

    long refused() {
        return tallies.values().stream().mapToLong(t -> t.refused.get()).sum();
    }

    long unexpectedCount() {
        return tallies.values().stream().mapToLong(t -> t.unexpected.get()).sum();
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        for (long round = 0; !stopped; round++) {
            String kind = ATTACKS[(int) (round % ATTACKS.length)];
            if (kind.equals("subscription flood") && round % (ATTACKS.length * 10L) != ATTACKS.length - 1) continue;
            Tally t = tallies.get(kind);
            String wrong;
            try {
                wrong = attack(kind);
            } catch (IOException e) {
                wrong = "failed: " + e;
            } catch (InterruptedException e) {
                break;
            }
            if (stopped) break; // cut short: not counted
            t.tried.incrementAndGet();
            if (wrong == null) t.refused.incrementAndGet();
            else {
                t.unexpected.incrementAndGet();
                unexpected.add(kind + ": " + wrong);
            }
            tendHalfOpen();
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                break;
            }
        }
    }

    /** Stops, closes everything it holds. */
    void stop() {
        stopped = true;
        Thread t = thread;
        if (t != null) t.interrupt();
        synchronized (halfOpen) {
            for (HalfOpen h : halfOpen) {
                h.conn().close();
                halfClosedByUs.incrementAndGet();
            }
            halfOpen.clear();
        }
        if (attacker != null) attacker.close();
        if (outsider != null) outsider.close();
    }

    /** One attempt; null if the server answered as it must. */
    private String attack(String kind) throws IOException, InterruptedException {
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
                        return l == null ? "closed the connection" : "answered " + Ledger.printable(l);
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
                synchronized (halfOpen) {
                    if (halfOpen.size() >= HALF_OPEN_MAX) return null;
                }
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
                halfOpened.incrementAndGet();
                synchronized (halfOpen) {
                    halfOpen.add(new HalfOpen(c, System.nanoTime(), k));
                    halfOpenKinds.computeIfAbsent(k, x -> new long[3])[0]++;
                }
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

    /** Half-open connections: noted when the server closes them, closed by us after {@link #HALF_OPEN_HOLD_NANOS}. */
    private void tendHalfOpen() {
        synchronized (halfOpen) {
            for (Iterator<HalfOpen> it = halfOpen.iterator(); it.hasNext(); ) {
                HalfOpen h = it.next();
                boolean closed;
                try {
                    closed = h.conn().closedWithin(1);
                } catch (IOException e) {
                    closed = true;
                }
                if (closed) {
                    halfClosedByServer.incrementAndGet();
                    long[] k = halfOpenKinds.get(h.kind());
                    k[1]++;
                    k[2] += (System.nanoTime() - h.opened()) / 1_000_000_000L;
                    h.conn().close();
                    it.remove();
                } else if (System.nanoTime() - h.opened() > HALF_OPEN_HOLD_NANOS) {
                    halfClosedByUs.incrementAndGet();
                    h.conn().close();
                    it.remove();
                }
            }
        }
    }

    // ------------------------------------------------------------------ talk-back

    private void onAttackerMessage(JsonNode m) {
        switch (m.path("type").asText()) {
            case "new_caller" -> {
                String call = m.path("call").asText();
                for (int i = 0; i < 3; i++) {
                    Object[] t;
                    synchronized (random) {
                        t = TALKBACK.get(random.nextInt(TALKBACK.size()));
                    }
                    sendAttack(attacker, "talk-back: " + t[0], call, (String) t[1], cast(t[2]));
                }
                if (ids.get() % 5 == 0) sendAttack(outsider, "talk-back: hangup a call not watched", call, "hangup", Map.of());
            }
            case "error", "result" -> settle(m);
            default -> { }
        }
    }

    private void onOutsiderMessage(JsonNode m) {
        String type = m.path("type").asText();
        if (type.equals("error") || type.equals("result")) settle(m);
    }

    private static JsonNode parse(String line) {
        try {
            return NativeApp.JSON.readTree(line);
        } catch (IOException e) {
            return NativeApp.JSON.createObjectNode();
        }
    }

    private void lost(String why) {
        if (!stopped) unexpected.add("the talk-back attacker's connection ended: " + why);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    private void sendAttack(JsonLines via, String kind, String call, String command, Map<String, Object> fields) {
        String id = "a" + ids.incrementAndGet();
        ObjectNode m = NativeApp.JSON.createObjectNode().put("type", "command").put("id", id).put("call", call)
                .put("command", command);
        fields.forEach((k, v) -> m.set(k, NativeApp.JSON.valueToTree(v)));
        pending.put(id, kind);
        tallies.get(kind).tried.incrementAndGet();
        try {
            via.send(m.toString());
        } catch (IOException e) {
            pending.remove(id);
            tallies.get(kind).unexpected.incrementAndGet();
            unexpected.add(kind + ": could not send: " + e);
        }
    }

    private void settle(JsonNode m) {
        String kind = pending.remove(m.path("id").asText());
        if (kind == null) return;
        Tally t = tallies.get(kind);
        String code = m.path("code").asText();
        boolean outsiderAttack = kind.endsWith("not watched");
        if (m.path("type").asText().equals("result")) {
            t.unexpected.incrementAndGet();
            unexpected.add(kind + ": carried out! " + Ledger.printable(m.toString()));
        } else if (code.equals("no_such_call")) {
            t.neutral.incrementAndGet(); // the call had ended before the attack reached it
        } else if (outsiderAttack ? code.equals("not_subscribed") : code.equals("bad_command") || code.equals("bad_message")) {
            t.refused.incrementAndGet();
        } else {
            t.unexpected.incrementAndGet();
            unexpected.add(kind + ": answered " + Ledger.printable(m.toString()));
        }
    }

    /** What became of the half-open connections, by kind: "12003 silent: 12 opened, 12 closed by the server after 30 s". */
    String halfOpenSummary() {
        StringBuilder b = new StringBuilder();
        synchronized (halfOpen) {
            halfOpenKinds.forEach((k, v) -> b.append(b.isEmpty() ? "" : "; ").append(k).append(": ").append(v[0])
                    .append(" opened, ").append(v[1]).append(" closed by the server")
                    .append(v[1] == 0 ? "" : " after " + Math.round((double) v[2] / v[1]) + " s on average"));
        }
        return b.toString();
    }

    /** Attacks sent and not yet answered (at the end: never answered). */
    int unanswered() {
        return pending.size();
    }
}
