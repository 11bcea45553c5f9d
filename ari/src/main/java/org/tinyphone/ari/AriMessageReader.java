package org.tinyphone.ari;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;

/**
 * A connection's text messages to events, counted (no I/O, never blocks): Asterisk's typed events in one pass
 * ({@link AriJson#direct}); anything else as a JSON tree: a REST response goes to the REST-over-WebSocket transport,
 * another event becomes {@link AriEvent.Other} with its JSON, and what is no event is dropped and said within the
 * log's budget.
 */
final class AriMessageReader {
    private static final Logger log = LoggerFactory.getLogger(StasisRuntime.class);   // the reader side's lines, as ever
    /** At most 10 lines of each kind of bad input per 10 s, then one summary of how many were left out. */
    private static final LogLimiter LOG_LIMIT = new LogLimiter(10, Duration.ofSeconds(10));

    final LongAdder events = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder oversized = new LongAdder();
    final LongAdder unknownTypes = new LongAdder();
    private final int maxMessageChars;

    AriMessageReader(int maxMessageChars) {
        this.maxMessageChars = maxMessageChars;
    }

    /** The event in one whole message from {@code s}, or null when it holds none (said and counted). */
    AriEvent read(AriSession s, String text) {
        AriEvent e = AriJson.direct(text);   // Asterisk's own events: one pass, no tree
        if (e == null) e = fromTree(s, text);
        if (e == null) return null;
        events.increment();
        if (e instanceof AriEvent.Other o && !AriJson.isTyped(o.type())) {
            unknownTypes.increment();
            log.debug("ARI {}: {} event (no record for it): to the event listeners as JSON", s, LogText.escape(o.type()));
        }
        return e;
    }

    /** A message over the size limit was skipped. */
    void oversized(AriSession s, long chars) {
        warn(oversized, "ari oversized", "ARI {}: a message of {} chars (over the {} limit) was dropped; the connection goes on", s,
                chars, maxMessageChars);
    }

    /** A binary message, which ARI never sends: dropped, counted as malformed, said within the budget. */
    void binary(AriSession s, long bytes) {
        warn(malformed, "ari binary", "ARI {}: a binary message ({} bytes) was dropped: ARI sends text", s, bytes);
    }

    /**
     * A message that is not one of Asterisk's typed events as it writes them, read as a JSON tree: a REST response
     * (handed to the REST-over-WebSocket transport), another event (raw JSON), or dropped with a word why; null when
     * there is no event to dispatch.
     */
    private AriEvent fromTree(AriSession s, String text) {
        JsonNode n;
        try {
            n = AriJson.tree(text);
        } catch (JsonProcessingException | RuntimeException e) {
            warn(malformed, "ari not json", "ARI {}: a message that is not JSON ({} chars) was dropped: {}", s, text.length(), LogText.escape(text));
            return null;
        }
        if (n == null || !n.isObject()) {
            warn(malformed, "ari not object", "ARI {}: a message that is not a JSON object ({} chars) was dropped: {}", s, text.length(),
                    LogText.escape(text));
            return null;
        }
        if (s.rest() instanceof WebSocketRestTransport w && w.offer(n)) return null;
        JsonNode t = n.get("type");
        if (t == null || !t.isTextual() || t.asText().isEmpty()) {
            warn(malformed, "ari no type", "ARI {}: a JSON message without a \"type\" was dropped ({} chars): {}", s, text.length(),
                    LogText.escape(text));
            return null;
        }
        String type = t.asText();
        try {
            return AriJson.event(type, n);
        } catch (JsonProcessingException | RuntimeException ex) {
            warn(malformed, "ari misshaped", "ARI {}: a {} event in a shape this client cannot read ({}); delivered as raw JSON: {}", s,
                    LogText.escape(type), LogText.escape(ex instanceof JsonProcessingException j ? j.getOriginalMessage() : ex.toString()),
                    LogText.escape(text));
            return AriJson.other(type, n);
        }
    }

    /** Counts, and logs within the limiter's budget for its kind (a flood of bad messages cannot flood the log). */
    private static void warn(LongAdder counter, String kind, String format, Object... args) {
        counter.increment();
        LOG_LIMIT.warn(log, kind, format, args);
    }
}
