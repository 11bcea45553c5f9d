package org.tinyphone.ari;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * </ul>
 */
final class HttpRestTransport implements RestTransport, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpRestTransport.class);

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
                resp = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (HttpTimeoutException e) {
                throw new AriConnectionException("no answer from Asterisk to " + r + " within " + r.wait(timeout).toMillis() + " ms", e);
            } catch (ConnectException e) {
                throw new AriConnectionException("cannot reach Asterisk at " + base + " (" + r + "): " + e.getMessage(), e);
            } catch (IOException first) {
                log.debug("ARI {} failed before any answer ({}); sending it once more on a new connection", r, first.toString());
                try {
                    resp = http.send(request, HttpResponse.BodyHandlers.ofString());
                } catch (IOException again) {
                    again.addSuppressed(first);
                    throw new AriConnectionException("no answer from Asterisk at " + base + " to " + r + ": " + again, again);
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

    @Override
    public void close() {
        http.shutdownNow();   // close() would wait for every exchange, also a WebSocket that is being torn down
    }
}
