package org.tinyphone.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket client (the JDK's) collecting text messages; 15 s per expected message. */
public final class WsTestClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    public final CompletableFuture<String> closed = new CompletableFuture<>();
    /** Ping frames received from the server. */
    public final java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();
    private final WebSocket ws;

    private final boolean reading;

    private WsTestClient(URI uri, boolean reading) throws Exception {
        this(uri, reading, java.util.Map.of());
    }

    private WsTestClient(URI uri, boolean reading, java.util.Map<String, String> headers) throws Exception {
        this.reading = reading;
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        headers.forEach(builder::header);
        ws = builder.buildAsync(uri, new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            messages.add(partial.toString());
                            partial.setLength(0);
                        }
                        if (WsTestClient.this.reading) webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onPing(WebSocket webSocket, java.nio.ByteBuffer message) {
                        pings.incrementAndGet(); // the JDK answers with a pong by itself
                        if (WsTestClient.this.reading) webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.complete(statusCode + " " + reason);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                        closed.complete("error " + error);
                    }
                }).get(15, TimeUnit.SECONDS);
    }

    public static WsTestClient connect(int port) throws Exception {
        return new WsTestClient(URI.create("ws://127.0.0.1:" + port + "/ws"), true);
    }

    /** A client sending extra upgrade headers (e.g. the Origin a browser sends); fails if the upgrade is refused. */
    public static WsTestClient connect(int port, java.util.Map<String, String> headers) throws Exception {
        return new WsTestClient(URI.create("ws://127.0.0.1:" + port + "/ws"), true, headers);
    }

    /** A client that takes its first message and then reads nothing more (its socket fills up). */
    public static WsTestClient connectNotReading(int port) throws Exception {
        return new WsTestClient(URI.create("ws://127.0.0.1:" + port + "/ws"), false);
    }

    public void send(String text) throws Exception {
        ws.sendText(text, true).get(15, TimeUnit.SECONDS);
    }

    public JsonNode next() throws Exception {
        String m = messages.poll(15, TimeUnit.SECONDS);
        if (m == null) throw new AssertionError("no WebSocket message within 15 s");
        return JSON.readTree(m);
    }

    public JsonNode expect(String type) throws Exception {
        JsonNode n = next();
        if (!type.equals(n.path("type").asText())) throw new AssertionError("expected " + type + " but got " + n);
        return n;
    }

    @Override
    public void close() {
        ws.abort();
    }
}
