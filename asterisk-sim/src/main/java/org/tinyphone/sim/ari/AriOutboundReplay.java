package org.tinyphone.sim.ari;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Plays Asterisk's side of capture 09d's outbound WebSockets against an app's listener: Asterisk connects (the
 * captured path, {@code Authorization} and {@code Sec-WebSocket-Protocol}), sends the captured events, expects the
 * captured RESTRequests (compared by meaning; the listener's own ids are used in the captured RESTResponses), and
 * closes where Asterisk closed. The app's own close frames in the capture (the harness closing to make Asterisk
 * reconnect) are left to {@link #skip}: here Asterisk closes instead, which makes the listener see the same drop.
 */
public final class AriOutboundReplay implements AutoCloseable {
    private final List<AriCapture.Step> steps;
    private final String base;
    private final List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Link> links = new ConcurrentHashMap<>();
    private final Map<String, String> ids = new ConcurrentHashMap<>();
    private final Map<String, String> allowed = new HashMap<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private Duration stepTimeout = Duration.ofSeconds(5);
    private AriCapture.Request pendingUpgrade;
    private volatile String at = "(not started)";

    private AriOutboundReplay(List<AriCapture.Step> steps, String base) {
        this.steps = new ArrayList<>(steps);
        this.base = base;
    }

    /** A replay of {@code steps} against the listener at {@code ws://host:port} (the captured paths are appended). */
    public static AriOutboundReplay of(List<AriCapture.Step> steps, String base) { return new AriOutboundReplay(steps, base); }

    /** Leaves out steps (an HTTP request takes its response along; a RESTRequest its RESTResponse): {@link AriCapture#without}. */
    public AriOutboundReplay skip(Predicate<AriCapture.Step> p) {
        List<AriCapture.Step> keep = AriCapture.without(steps, p);
        steps.clear();
        steps.addAll(keep);
        return this;
    }

    /** RESTRequests the listener may send besides the captured ones ({@code GET channels} when it connects), answered 200 with {@code json}. */
    public AriOutboundReplay allow(String method, String uri, String json) {
        allowed.put(method + " " + uri, json);
        return this;
    }

    public AriOutboundReplay stepTimeout(Duration d) { stepTimeout = d; return this; }

    public AriOutboundReplay start() {
        Thread.ofVirtual().name("ari-outbound-replay").start(this::run);
        return this;
    }

    /** Waits until every step ran; fails with every mismatch. */
    public void await(Duration timeout) {
        try {
            finished.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            mismatches.add("replay did not finish within " + timeout.toMillis() + " ms; stuck at: " + at);
        }
        if (!mismatches.isEmpty()) throw new AssertionError("ARI outbound replay mismatches:\n  " + String.join("\n  ", mismatches));
    }

    @Override
    public void close() {
        for (Link l : links.values()) l.ws.abort();
        http.shutdownNow();
    }

    private void run() {
        try {
            for (AriCapture.Step s : steps) {
                at = s.toString();
                if (!step(s)) break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            mismatches.add("replay failed at " + at + ": " + e);
        }
        finished.complete(null);
    }

    private boolean step(AriCapture.Step s) throws InterruptedException {
        switch (s) {
            case AriCapture.Request r when r.fromAsterisk() -> pendingUpgrade = r;
            case AriCapture.Response r when !r.fromAsterisk() -> {
                AriCapture.Request up = pendingUpgrade;
                pendingUpgrade = null;
                Link l = new Link(s.tag());
                WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(stepTimeout);
                String auth = up.headers().get("authorization");
                if (auth != null) b.header("Authorization", auth);
                String protocol = up.headers().get("sec-websocket-protocol");
                if (protocol != null) b.subprotocols(protocol);
                try {
                    l.ws = b.buildAsync(URI.create(base + up.target()), l).get(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    if (r.status() == 101) mismatches.add("[" + s.tag() + "] the listener refused the upgrade " + up.line() + ": " + e);
                    return r.status() != 101;
                }
                if (r.status() != 101) mismatches.add("[" + s.tag() + "] the listener accepted an upgrade the capture refused");
                String want = r.headers().get("sec-websocket-protocol");
                if (want != null && !want.equals(l.ws.getSubprotocol())) {
                    mismatches.add("[" + s.tag() + "] subprotocol " + l.ws.getSubprotocol() + ", the capture's " + want);
                }
                links.put(s.tag(), l);
            }
            case AriCapture.Text t when t.fromAsterisk() -> {
                Link l = links.get(t.tag());
                if (l == null) return true;
                l.send(AriMessages.withClientIds(t.text(), ids));
            }
            case AriCapture.Text t -> {
                Link l = links.get(t.tag());
                if (l == null) { mismatches.add("no connection [" + t.tag() + "] for " + t.text()); return false; }
                String got = l.received.poll(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (got == null) { mismatches.add("the listener never sent on [" + t.tag() + "]: " + t.text()); return false; }
                AriMessages.compareText(t.text(), got, ids, mismatches::add);
            }
            case AriCapture.Close c when c.fromAsterisk() -> {
                Link l = links.get(c.tag());
                if (l == null || l.ws.isOutputClosed()) return true;
                l.ws.sendClose(c.code(), "").join();
                Integer echo = l.closed.poll(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (echo == null) mismatches.add("the listener did not answer Asterisk's close frame on [" + c.tag() + "]");
                l.ws.abort();
            }
            case AriCapture.Close c -> {
                Link l = links.get(c.tag());
                if (l == null) return true;
                Integer code = l.closed.poll(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (code == null) mismatches.add("the listener never closed [" + c.tag() + "]");
            }
            default -> { }
        }
        return true;
    }

    /** One connection Asterisk made; RESTRequests the listener may send unasked ({@link #allow}) are answered here. */
    private final class Link implements WebSocket.Listener {
        final String tag;
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final BlockingQueue<Integer> closed = new LinkedBlockingQueue<>();
        private final TextParts parts = new TextParts();
        volatile WebSocket ws;

        Link(String tag) { this.tag = tag; }

        /** One text message at a time (the JDK refuses a send while another is in flight). */
        synchronized void send(String text) { ws.sendText(text, true).join(); }

        @Override
        public void onOpen(WebSocket webSocket) { webSocket.request(Long.MAX_VALUE); }   // see AriClient: no demand gap at EOF

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            String m = parts.add(data, last);
            if (m != null && !answerAllowed(webSocket, m)) received.add(m);
            return null;
        }

        private boolean answerAllowed(WebSocket webSocket, String m) {
            try {
                var n = SimulatedAriAsterisk.JSON.readTree(m);
                String json = allowed.get(n.path("method").asText() + " " + AriMessages.path(n));
                if (json == null || !AriMessages.params(n).isEmpty()) return false;
                var out = SimulatedAriAsterisk.JSON.createObjectNode();
                out.put("type", "RESTResponse").put("transaction_id", n.path("transaction_id").asText())
                        .put("request_id", n.path("request_id").asText()).put("status_code", 200).put("reason_phrase", "OK")
                        .put("uri", AriMessages.path(n)).put("content_type", "application/json").put("message_body", json);
                Thread.ofVirtual().start(() -> send(out.toString()));
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.add(statusCode);
            return null;
        }
    }
}
