package org.tinyphone.ari;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;

/**
 * REST carried over an ARI WebSocket (Asterisk 22's outbound WebSocket, or an inbound events WebSocket): each request
 * is a {@code RESTRequest} text message, Asterisk answers with a {@code RESTResponse} carrying our
 * {@code transaction_id}; events and answers interleave. The path goes in {@code uri} (relative to {@code /ari/}, no
 * leading slash: capture 09d), query parameters in {@code query_strings}, a JSON body in {@code message_body} with
 * {@code content_type} (a body without it is refused).
 */
final class WebSocketRestTransport implements RestTransport {
    private static final Logger log = LoggerFactory.getLogger(WebSocketRestTransport.class);
    private static final AtomicLong CONNECTIONS = new AtomicLong();

    /** Writes one text message; one caller at a time. */
    interface Sender {
        void send(String text) throws IOException;
    }

    private final Sender sender;
    private final String where;
    private final Duration timeout;
    private final Map<String, CompletableFuture<RestResponse>> pending = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final String prefix = "tp" + CONNECTIONS.incrementAndGet() + "-";
    private final Object sendLock = new Object();
    private volatile String lost;

    WebSocketRestTransport(Sender sender, String where, Duration timeout) {
        this.sender = sender;
        this.where = where;
        this.timeout = timeout;
    }

    @Override
    public String where() { return where; }

    @Override
    public RestResponse call(RestRequest r) {
        String gone = lost;
        if (gone != null) throw new AriConnectionException("ARI WebSocket " + where + " is gone (" + gone + "): " + r + " not sent");
        String id = prefix + seq.incrementAndGet();
        ObjectNode m = AriJson.object();
        m.put("type", "RESTRequest").put("transaction_id", id).put("request_id", id).put("method", r.method).put("uri", r.path);
        if (!r.params.isEmpty()) {
            ArrayNode qs = m.putArray("query_strings");
            for (Map.Entry<String, String> p : r.params) qs.addObject().put("name", p.getKey()).put("value", p.getValue());
        }
        if (r.body != null) m.put("content_type", "application/json").put("message_body", r.body.toString());
        CompletableFuture<RestResponse> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            synchronized (sendLock) {
                sender.send(m.toString());
            }
        } catch (IOException e) {
            pending.remove(id);
            throw new AriConnectionException("cannot send " + r + " over the ARI WebSocket " + where + ": " + e.getMessage(), e);
        }
        if (lost != null) answer.completeExceptionally(new AriConnectionException("ARI WebSocket " + where + " is gone (" + lost + ")"));
        try {
            return answer.get(r.wait(timeout).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AriConnectionException("no RESTResponse from Asterisk to " + r + " within " + r.wait(timeout).toMillis() + " ms", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AriException a) throw new AriConnectionException(a.getMessage() + " (waiting for " + r + ")", a);
            throw new AriConnectionException(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AriConnectionException("interrupted while waiting for the answer to " + r, e);
        } finally {
            pending.remove(id);
        }
    }

    /** Takes a {@code RESTResponse} message; false for anything else (an event). */
    boolean offer(JsonNode message) {
        if (!"RESTResponse".equals(AriJson.text(message, "type"))) return false;
        String id = AriJson.text(message, "transaction_id");
        CompletableFuture<RestResponse> f = id == null ? null : pending.get(id);
        if (f == null) {
            log.warn("ARI {}: RESTResponse {} for no request waiting here (status {}, {})", where, LogText.escape(id),
                    message.path("status_code").asInt(), LogText.escape(message.path("reason_phrase").asText("")));
            return true;
        }
        JsonNode body = message.get("message_body");
        f.complete(new RestResponse(message.path("status_code").asInt(), AriJson.text(message, "reason_phrase"),
                body == null || body.isNull() ? "" : body.isTextual() ? body.asText() : body.toString()));
        return true;
    }

    /** The WebSocket is gone: every request waiting fails now, later ones at once. */
    void lost(String reason) {
        lost = reason;
        for (CompletableFuture<RestResponse> f : pending.values()) {
            f.completeExceptionally(new AriConnectionException("ARI WebSocket " + where + " lost (" + reason + ") before the RESTResponse"));
        }
    }

    /** Requests waiting for their answer. */
    int inFlight() { return pending.size(); }
}
