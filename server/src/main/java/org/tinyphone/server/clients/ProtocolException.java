package org.tinyphone.server.clients;

import com.fasterxml.jackson.databind.JsonNode;

/** A client message was wrong; becomes an {@code error} reply with this code and message. */
public final class ProtocolException extends Exception {
    private final String code;
    private final transient JsonNode id;

    public ProtocolException(String code, String message, JsonNode id) {
        super(message);
        this.code = code;
        this.id = id;
    }

    public String code() { return code; }

    /** The request id, when the message had a readable one. */
    public JsonNode id() { return id; }
}
