package org.tinyphone.ari;

/** Carries REST requests to Asterisk: over HTTP, or as RESTRequest messages over an ARI WebSocket. */
interface RestTransport {
    /** Sends and waits for the answer (any status). @throws AriConnectionException if there is no answer */
    RestResponse call(RestRequest request);

    /** Where the requests go, for messages. */
    String where();
}
