package org.tinyphone.sim.ari;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * Plays Asterisk's side of an ARI capture to a client under test, over real sockets: it answers each HTTP request
 * and WebSocket upgrade with the captured answer after checking the request against the captured one (method, path
 * as sent, query parameters, {@code Authorization}, {@code Content-Type}, body), sends the captured events in order
 * on the captured WebSocket, checks the client's REST-over-WebSocket messages and close frames, and answers
 * RESTRequests with the captured RESTResponses (carrying the client's own ids). Timing is not replayed: each step
 * runs as soon as the one before it is done. Mismatches are collected; {@link #await} fails with all of them.
 *
 * <pre>{@code
 * try (AriTranscriptReplay replay = AriTranscriptReplay.of(AriCapture.load("09a-ari-stasis-call.txt")).start()) {
 *     // drive a client against replay.url() as the capture's harness did
 *     replay.await(Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class AriTranscriptReplay implements AutoCloseable {
    private final List<AriCapture.Step> steps;
    private final List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<Arrival> http = new LinkedBlockingQueue<>();
    private final BlockingQueue<Upgrade> upgrades = new LinkedBlockingQueue<>();
    private final Map<String, Socket> sockets = new ConcurrentHashMap<>();
    private final Map<String, Arrival> openRequest = new HashMap<>();
    private final Map<String, Upgrade> openUpgrade = new HashMap<>();
    private final Map<String, String> ids = new ConcurrentHashMap<>();
    private final List<Allowed> allowed = new ArrayList<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private Duration stepTimeout = Duration.ofSeconds(5);
    private final List<String> ignoredParams = new ArrayList<>();
    private AriWireServer wire;
    private volatile String at = "(not started)";

    private record Arrival(AriRequest request, CompletableFuture<AriResponse> answer) {}

    private record Upgrade(AriRequest request, CompletableFuture<Object> answer) {}

    private record Allowed(String method, String path, AriResponse answer, boolean once) {}

    private AriTranscriptReplay(List<AriCapture.Step> steps) { this.steps = new ArrayList<>(steps); }

    /** A replay of these steps (see {@link AriCapture}). */
    public static AriTranscriptReplay of(List<AriCapture.Step> steps) { return new AriTranscriptReplay(steps); }

    /** Keeps only the steps from the note containing {@code from} up to (not including) the note containing {@code until} (null: to the end). */
    public AriTranscriptReplay section(String from, String until) {
        int a = -1, b = steps.size();
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) instanceof AriCapture.Note n) {
                if (a < 0 && n.text().contains(from)) a = i;
                else if (a >= 0 && until != null && n.text().contains(until)) { b = i; break; }
            }
        }
        if (a < 0) throw new IllegalArgumentException("no note containing '" + from + "' in the capture");
        List<AriCapture.Step> keep = new ArrayList<>(steps.subList(a, b));
        steps.clear();
        steps.addAll(keep);
        return this;
    }

    /** Leaves out steps (an HTTP request takes its response along; a RESTRequest its RESTResponse): {@link AriCapture#without}. */
    public AriTranscriptReplay skip(Predicate<AriCapture.Step> p) {
        List<AriCapture.Step> keep = AriCapture.without(steps, p);
        steps.clear();
        steps.addAll(keep);
        return this;
    }

    /** Requests the client may make besides the captured ones (answered with 200 and {@code json}), e.g. its own lookups. */
    public AriTranscriptReplay allow(String method, String path, String json) {
        allowed.add(new Allowed(method, path, AriResponse.ok(json), false));
        return this;
    }

    /** Like {@link #allow}, for the first such request only (later ones are checked against the capture). */
    public AriTranscriptReplay allowOnce(String method, String path, String json) {
        allowed.add(new Allowed(method, path, AriResponse.ok(json), true));
        return this;
    }

    public AriTranscriptReplay stepTimeout(Duration d) { stepTimeout = d; return this; }

    /**
     * For a {@link #section} that starts after the WebSocket {@code [tag]} was opened: the first upgrade the client
     * makes is accepted as that connection without being compared.
     */
    public AriTranscriptReplay withOpenSocket(String tag) {
        steps.add(0, new AriCapture.Request(tag, false, "GET", "(any)", Map.of("upgrade", "websocket"), ""));
        steps.add(1, new AriCapture.Response(tag, true, 101, "Switching Protocols", Map.of(), ""));
        return this;
    }

    /** A query parameter not compared (where the capture's harness left out one the client always sends). */
    public AriTranscriptReplay ignoringQueryParameter(String name) { ignoredParams.add(name); return this; }

    /** Listens and starts replaying. */
    public AriTranscriptReplay start() {
        wire = new AriWireServer(0, Map.of(), List.of(), Duration.ofSeconds(30), "22.10.1", new AriWireServer.Handler() {
            @Override
            public AriResponse rest(AriRequest request, String user) {
                synchronized (allowed) {
                    for (Allowed a : allowed) {
                        if (a.method().equals(request.method()) && a.path().equals(request.path())) {
                            if (a.once()) allowed.remove(a);
                            return a.answer();
                        }
                    }
                }
                Arrival arrival = new Arrival(request, new CompletableFuture<>());
                http.add(arrival);
                try {
                    return arrival.answer().get(stepTimeout.toMillis() * 4, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    mismatch("no captured answer for " + request.requestLine() + " (" + e + ")");
                    return AriResponse.error(500, "Internal Server Error", "replay: no captured answer");
                }
            }

            @Override
            public Object events(AriRequest upgrade, String user) {
                Upgrade u = new Upgrade(upgrade, new CompletableFuture<>());
                upgrades.add(u);
                try {
                    return u.answer().get(stepTimeout.toMillis() * 4, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    mismatch("no captured answer for the upgrade " + upgrade.requestLine());
                    return AriResponse.error(500, "Internal Server Error", "replay: no captured answer");
                }
            }
        }).start();
        Thread.ofVirtual().name("ari-replay").start(this::run);
        return this;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() { return "http://127.0.0.1:" + wire.port(); }

    /** Waits until every step ran; fails with every mismatch (or the step it is stuck at). */
    public void await(Duration timeout) {
        try {
            finished.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            mismatch("replay did not finish within " + timeout.toMillis() + " ms; stuck at: " + at);
        }
        Arrival extra = http.poll();
        while (extra != null) {
            mismatch("the client sent " + extra.request().requestLine() + ", which the capture does not have here");
            extra.answer().complete(AriResponse.error(500, "Internal Server Error", "replay: unexpected request"));
            extra = http.poll();
        }
        if (!mismatches.isEmpty()) throw new AssertionError("ARI replay mismatches:\n  " + String.join("\n  ", mismatches));
    }

    /** Mismatches so far. */
    public List<String> mismatches() {
        synchronized (mismatches) {
            return List.copyOf(mismatches);
        }
    }

    @Override
    public void close() {
        for (Socket s : sockets.values()) s.abort();
        if (wire != null) wire.close();
    }

    private void mismatch(String m) { mismatches.add(m); }

    // ------------------------------------------------------------------------------------------ the replay

    private void run() {
        try {
            for (AriCapture.Step s : steps) {
                at = s.toString();
                if (!step(s)) break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            mismatch("replay failed at " + at + ": " + e);
        }
        finished.complete(null);
    }

    private boolean step(AriCapture.Step s) throws InterruptedException {
        switch (s) {
            case AriCapture.Request r when !r.fromAsterisk() && r.isUpgrade() -> {
                Upgrade u = upgrades.poll(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (u == null) { mismatch("the client never asked for the WebSocket " + r.line()); return false; }
                if (!r.target().equals("(any)")) compare(r, u.request());
                openUpgrade.put(r.tag(), u);
            }
            case AriCapture.Request r when !r.fromAsterisk() -> {
                Arrival a = http.poll(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (a == null) { mismatch("the client never sent " + r.line()); return false; }
                compare(r, a.request());
                openRequest.put(r.tag(), a);
            }
            case AriCapture.Response r when r.fromAsterisk() -> {
                Upgrade u = openUpgrade.remove(r.tag());
                if (u != null) {
                    if (r.status() == 101) {
                        Socket sock = new Socket(r.tag());
                        sockets.put(r.tag(), sock);
                        u.answer().complete(new AriWireServer.AcceptedSocket(sock, r.headers().get("sec-websocket-protocol")));
                        if (!sock.opened.await(stepTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                            mismatch("WebSocket [" + r.tag() + "] never opened");
                            return false;
                        }
                    } else {
                        u.answer().complete(captured(r));
                    }
                    return true;
                }
                Arrival a = openRequest.remove(r.tag());
                if (a != null) a.answer().complete(captured(r));
            }
            case AriCapture.Text t when t.fromAsterisk() -> {
                Socket sock = sockets.get(t.tag());
                if (sock == null) return true;   // a connection this replay does not serve
                sock.send(AriMessages.withClientIds(t.text(), ids));
            }
            case AriCapture.Text t -> {
                Socket sock = sockets.get(t.tag());
                if (sock == null) { mismatch("no WebSocket [" + t.tag() + "] for the client's " + t.text()); return false; }
                String got = sock.received.poll(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (got == null) { mismatch("the client never sent on [" + t.tag() + "]: " + t.text()); return false; }
                AriMessages.compareText(t.text(), got, ids, this::mismatch);
            }
            case AriCapture.Close c when !c.fromAsterisk() -> {
                Socket sock = sockets.get(c.tag());
                if (sock == null) return true;
                Integer code = sock.closed.poll(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (code == null) mismatch("the client never closed [" + c.tag() + "] with " + c.code());
                else if (code != c.code()) mismatch("the client closed [" + c.tag() + "] with " + code + ", the capture " + c.code());
            }
            default -> { }
        }
        return true;
    }

    private static AriResponse captured(AriCapture.Response r) {
        Map<String, String> h = new LinkedHashMap<>();
        for (String k : List.of("www-authenticate", "location", "allow", "content-type", "sec-websocket-version")) {
            if (r.headers().containsKey(k)) h.put(headerName(k), r.headers().get(k));
        }
        return new AriResponse(r.status(), r.reason(), r.body(), h);
    }

    private static String headerName(String lower) {
        return switch (lower) {
            case "www-authenticate" -> "WWW-Authenticate";
            case "location" -> "Location";
            case "allow" -> "Allow";
            case "content-type" -> "Content-Type";
            default -> "Sec-WebSocket-Version";
        };
    }

    private void compare(AriCapture.Request want, AriRequest got) {
        String where = want.line();
        if (!want.method().equals(got.method())) mismatch(where + ": method " + got.method());
        String wantPath = want.path().startsWith("/ari/") ? want.path().substring(5) : want.path();
        if (!wantPath.equals(got.path())) mismatch(where + ": path sent was /ari/" + got.path());
        Map<String, List<String>> wp = AriMessages.group(AriRequest.parseQuery(want.query()));
        Map<String, List<String>> gp = AriMessages.group(got.params());
        for (String p : ignoredParams) {
            wp.remove(p);
            gp.remove(p);
        }
        if (!wp.equals(gp)) mismatch(where + ": query parameters sent were " + gp + " (" + got.query() + "), the capture's " + wp);
        if (!Objects.equals(want.headers().get("authorization"), got.headers().get("authorization"))) {
            mismatch(where + ": Authorization " + got.headers().get("authorization") + ", the capture's " + want.headers().get("authorization"));
        }
        String wantType = want.headers().get("content-type");
        if (wantType != null && !Objects.equals(wantType, got.headers().get("content-type"))) {
            mismatch(where + ": Content-Type " + got.headers().get("content-type") + ", the capture's " + wantType);
        }
        if (!AriMessages.sameBody(want.body(), got.body())) mismatch(where + ": body " + got.body() + ", the capture's " + want.body());
    }

    /** The RESTResponse to an {@link #allow}ed RESTRequest, or null. */
    private String allowedOverWebSocket(String message) {
        try {
            var n = SimulatedAriAsterisk.JSON.readTree(message);
            if (!"RESTRequest".equals(n.path("type").asText()) || !AriMessages.params(n).isEmpty()) return null;
            synchronized (allowed) {
                for (Allowed a : allowed) {
                    if (a.method().equals(n.path("method").asText()) && a.path().equals(AriMessages.path(n))) {
                        if (a.once()) allowed.remove(a);
                        var out = SimulatedAriAsterisk.JSON.createObjectNode();
                        out.put("type", "RESTResponse").put("transaction_id", n.path("transaction_id").asText())
                                .put("request_id", n.path("request_id").asText()).put("status_code", a.answer().status())
                                .put("reason_phrase", a.answer().reason()).put("uri", AriMessages.path(n))
                                .put("content_type", "application/json").put("message_body", a.answer().body());
                        return out.toString();
                    }
                }
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }

    /** A WebSocket the client opened, bound to a capture tag. Public: Jetty looks its methods up by reflection. */
    public final class Socket implements Session.Listener.AutoDemanding {
        final String tag;
        final java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final BlockingQueue<Integer> closed = new LinkedBlockingQueue<>();
        private volatile Session session;

        Socket(String tag) { this.tag = tag; }

        synchronized void send(String text) {
            Session s = session;
            if (s == null || !s.isOpen()) {
                // Asterisk may still send after the client's close frame (10c: BridgeDestroyed); the client is gone
                if (closed.isEmpty() && s == null) mismatch("cannot send on [" + tag + "]: never opened");
                return;
            }
            Callback.Completable done = new Callback.Completable();
            s.sendText(text, done);
            try {
                done.get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                mismatch("sending on [" + tag + "] failed: " + e);
            }
        }

        void abort() {
            Session s = session;
            if (s != null && s.isOpen()) s.close(StatusCode.NORMAL, "", Callback.NOOP);
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            opened.countDown();
        }

        @Override
        public void onWebSocketText(String message) {
            String answer = allowedOverWebSocket(message);
            if (answer != null) send(answer);
            else received.add(message);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) { closed.add(statusCode); }
    }
}
