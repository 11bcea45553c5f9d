package org.tinyphone.ari;

/** Carries REST requests to Asterisk: over HTTP, or as RESTRequest messages over an ARI WebSocket. */
interface RestTransport {
    /** Sends and waits for the answer (any status). @throws AriConnectionException if there is no answer */
    RestResponse call(RestRequest request);

    /** Where the requests go, for messages. */
    String where();

    /** {@code t}'s requests, each waiting at most {@code maxWait} for its answer (or {@code t}'s timeout if shorter); null if {@code t} is. */
    static RestTransport waitingAtMost(RestTransport t, java.time.Duration maxWait) {
        return t == null ? null : new RestTransport() {
            @Override
            public RestResponse call(RestRequest r) {
                r.maxWait = maxWait;
                return t.call(r);
            }

            @Override
            public String where() { return t.where(); }
        };
    }
}
