package org.tinyphone.ari;

import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * REST requests that failed, by a fixed kind (never a label from Asterisk's bytes): no answer in time, no answer at all
 * (not connected, connection lost or refused), an answer with a status that is not 2xx, a 2xx answer that is not what
 * was asked for. One per client or outbound server; every {@link Ari} it hands out counts here.
 */
final class RestFailures {
    /** What went wrong, as {@code tinyphone_ari_rest_failures_total{kind=...}} names it. */
    enum Kind {
        TIMEOUT("timeout"), CONNECTION("connection"), HTTP_STATUS("http-status"), BAD_ANSWER("bad-answer");

        final String label;

        Kind(String label) { this.label = label; }
    }

    /** Counts nowhere: for an {@link Ari} outside a client (tests). */
    static final RestFailures NONE = new RestFailures();

    private final LongAdder[] counts = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};

    void count(Kind kind) { counts[kind.ordinal()].increment(); }

    /** A request that got no answer: {@link Kind#TIMEOUT} if it was waiting too long, else {@link Kind#CONNECTION}. */
    void noAnswer(AriConnectionException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
                count(Kind.TIMEOUT);
                return;
            }
        }
        count(Kind.CONNECTION);
    }

    long get(Kind kind) { return counts[kind.ordinal()].sum(); }
}
