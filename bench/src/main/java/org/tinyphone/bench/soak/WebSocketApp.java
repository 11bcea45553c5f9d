package org.tinyphone.bench.soak;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/** A good app of the native dialect over WebSocket ({@code /ws} on the HTTP port), through the JDK's own client. */
final class WebSocketApp extends NativeApp {
    private final int port;
    private final ReentrantLock sendLock = new ReentrantLock();
    private HttpClient http;
    private WebSocket ws;

    WebSocketApp(String name, int port, Ledger ledger, Watcher watcher, List<String> subscribeAs, boolean commands) {
        super(name, ledger, watcher, subscribeAs, commands);
        this.port = port;
    }

    @Override
    protected void open() throws IOException {
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder parts = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                parts.append(data);
                if (last) {
                    String text = parts.toString();
                    parts.setLength(0);
                    WebSocketApp.this.onText(text);
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                onClosed("the server closed the WebSocket: " + status + " " + reason);
                return null;
            }

            @Override
            public void onError(WebSocket w, Throwable error) {
                onClosed("WebSocket failed: " + error);
            }
        };
        try {
            ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), listener).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IOException(name + ": WebSocket did not open: " + e, e);
        }
    }

    @Override
    protected void sendText(String json) throws IOException {
        sendLock.lock(); // one send at a time: the JDK's WebSocket refuses overlapping sends
        try {
            ws.sendText(json, true).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IOException(name + ": WebSocket send failed: " + e, e);
        } finally {
            sendLock.unlock();
        }
    }

    @Override
    public void close() {
        closing = true;
        if (ws != null) ws.abort();
        if (http != null) http.close();
    }
}
