package org.tinyphone.ari;

/** Asterisk's answer to one REST request: status, reason phrase (when the transport carries it) and body text. */
record RestResponse(int status, String reason, String body) {
    boolean ok() { return status >= 200 && status < 300; }
}
