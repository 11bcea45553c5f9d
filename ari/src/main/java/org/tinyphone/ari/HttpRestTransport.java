package org.tinyphone.ari;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;

/**
 * REST over HTTP/1.1 with the JDK's client, keep-alive connections reused.
 *
 * <ul>
 *   <li>At most {@code maxConnections} requests are in flight (so at most that many connections): Asterisk's HTTP
 *       server serves 100 sessions at most (http.conf {@code sessionlimit}); 1,000 calls must not open 1,000.</li>
 *   <li>Asterisk closes a keep-alive connection after 15 s idle (http.conf {@code session_keep_alive}). The JDK drops
 *       a pooled connection when it sees the close; a request sent just as the close crosses it fails before any
 *       answer, and is sent once more on a new connection. Asterisk did not act on it (it closed an idle
 *       connection), and the requests this client sends that create something carry the id to create, so a
 *       repeat cannot create twice.</li>
 *   <li>An answer is bounded like a message on the events WebSocket: at most {@link #MAX_BODY_BYTES} of body, and the
 *       whole answer (not only its headers, which is all the JDK's request timeout covers) within the request's
 *       timeout; an "Asterisk" that sends an endless or dripping body costs one connection for that long, no more.</li>
 * </ul>
 */
final class HttpRestTransport implements RestTransport, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpRestTransport.class);
    /** The largest answer body read (some 20,000 channels listed); a longer one fails the request and drops its connection. */
    static final int MAX_BODY_BYTES = 16 << 20;

    private final HttpClient http;
    private final String base;          // http://127.0.0.1:8088/ari/
    private final String authorization; // "Basic ..." or null
    private final String apiKey;        // user:password for ?api_key=, or null
    private final Semaphore permits;
    private final Duration timeout;

    HttpRestTransport(HttpClient http, String base, String authorization, String apiKey, int maxConnections, Duration timeout) {
        this.http = http;
        this.base = base;
        this.authorization = authorization;
        this.apiKey = apiKey;
        this.permits = new Semaphore(maxConnections, true);
        this.timeout = timeout;
    }

    @Override
    public String where() { return base; }

    @Override
    public RestResponse call(RestRequest r) {
        String q = r.query();
        if (apiKey != null) q = q.isEmpty() ? "api_key=" + UrlCodec.query(apiKey) : q + "&api_key=" + UrlCodec.query(apiKey);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + r.path + (q.isEmpty() ? "" : "?" + q))).timeout(r.wait(timeout));
        if (authorization != null) b.header("Authorization", authorization);
        if (r.body != null) {
            b.header("Content-Type", "application/json").method(r.method, HttpRequest.BodyPublishers.ofString(r.body.toString()));
        } else {
            b.method(r.method, HttpRequest.BodyPublishers.noBody());
        }
        HttpRequest request = b.build();
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AriConnectionException("interrupted while waiting to send " + r);
        }
        try {
            HttpResponse<String> resp;
            try {
                resp = exchange(request, r);
            } catch (HttpTimeoutException e) {
                throw new AriConnectionException("no answer from Asterisk to " + r + " within " + r.wait(timeout).toMillis() + " ms", e);
            } catch (ConnectException e) {
                throw new AriConnectionException("cannot reach Asterisk at " + base + " (" + r + "): " + e.getMessage(), e);
            } catch (TooLarge e) {
                throw new AriConnectionException("the answer from Asterisk at " + base + " to " + r + " is over "
                        + MAX_BODY_BYTES + " bytes: dropped", e);
            } catch (IOException first) {
                log.debug("ARI {} failed before any answer ({}); sending it once more on a new connection", r, first.toString());
                try {
                    resp = exchange(request, r);
                } catch (IOException again) {
                    again.addSuppressed(first);
                    throw new AriConnectionException("no answer from Asterisk at " + base + " to " + r + ": " + LogText.escape(again), again);
                }
            }
            return new RestResponse(resp.statusCode(), null, resp.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AriConnectionException("interrupted while waiting for the answer to " + r, e);
        } finally {
            permits.release();
        }
    }

    /**
     * Sends {@code request} and reads its whole answer, bounded in size and in time: the headers within the request's
     * wait (the JDK's request timeout), the body by the same deadline, counted from the send.
     */
    private HttpResponse<String> exchange(HttpRequest request, RestRequest r) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + r.wait(timeout).toNanos();
        try {
            return http.send(request, info -> new BoundedBody(charset(info), deadline));
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof TooLarge big) throw big;
            throw e;
        }
    }

    private static Charset charset(HttpResponse.ResponseInfo info) {
        String type = info.headers().firstValue("Content-Type").orElse("");
        int at = type.toLowerCase(java.util.Locale.ROOT).indexOf("charset=");
        if (at < 0) return StandardCharsets.UTF_8;
        try {
            return Charset.forName(type.substring(at + 8).replace("\"", "").split(";")[0].trim());
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** An answer body over {@link #MAX_BODY_BYTES}. */
    static final class TooLarge extends IOException {
        TooLarge() { super("answer body over " + MAX_BODY_BYTES + " bytes"); }
    }

    /**
     * The body as text, at most {@link #MAX_BODY_BYTES} and by the deadline; beyond either the exchange is cancelled (its
     * connection closed) and the request fails.
     */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<String> {
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private ByteArrayOutputStream bytes = new ByteArrayOutputStream();   // the JDK's calls only; let go at the end
        private final Charset charset;
        private volatile Flow.Subscription subscription;

        BoundedBody(Charset charset, long deadline) {
            this.charset = charset;
            long left = Math.max(1, deadline - System.nanoTime());
            CompletableFuture.delayedExecutor(left, TimeUnit.NANOSECONDS).execute(() ->
                    fail(new HttpTimeoutException("the whole answer did not come within the request's timeout")));
        }

        private void fail(IOException e) {
            if (!result.completeExceptionally(e)) return;
            Flow.Subscription s = subscription;
            if (s != null) s.cancel();
        }

        @Override
        public CompletionStage<String> getBody() { return result; }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (result.isDone()) s.cancel();
            else s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                bytes = null;
                return;
            }
            for (ByteBuffer b : items) {
                if (bytes.size() + (long) b.remaining() > MAX_BODY_BYTES) {
                    fail(new TooLarge());
                    return;
                }
                byte[] a = new byte[b.remaining()];
                b.get(a);
                bytes.write(a, 0, a.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
            bytes = null;
        }

        @Override
        public void onComplete() {
            ByteArrayOutputStream b = bytes;
            if (b != null) result.complete(b.toString(charset));   // unless it failed already
            bytes = null;   // the deadline's timer holds this subscriber until it fires
        }
    }

    @Override
    public void close() {
        http.shutdownNow();   // close() would wait for every exchange, also a WebSocket that is being torn down
    }
}
