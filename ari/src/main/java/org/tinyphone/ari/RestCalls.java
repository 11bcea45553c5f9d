package org.tinyphone.ari;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.tinyphone.net.LogText;

/**
 * How {@link Ari} sends a request and reads Asterisk's answer into a typed result: a status that is not 2xx becomes an
 * {@link AriHttpException}, no answer an {@link AriConnectionException}, a 2xx answer that is not the result asked for
 * an {@link AriException}; each failure is counted in {@link RestFailures} by its kind.
 */
final class RestCalls {
    private final Supplier<RestTransport> transport;
    private final RestFailures failures;

    RestCalls(Supplier<RestTransport> transport, RestFailures failures) {
        this.transport = transport;
        this.failures = failures;
    }

    /** Asterisk's 2xx answer; an {@link AriHttpException} for any other status. */
    RestResponse send(RestRequest r) {
        RestResponse resp = call(r);
        if (!resp.ok()) throw httpError(r, resp);
        return resp;
    }

    /** Asterisk's answer, whatever its status; an {@link AriConnectionException} (counted) if none came. */
    RestResponse call(RestRequest r) {
        RestTransport t = transport.get();
        try {
            if (t == null) throw new AriConnectionException("not connected to Asterisk: " + r + " not sent");
            return t.call(r);
        } catch (AriConnectionException e) {
            failures.noAnswer(e);
            throw e;
        }
    }

    /** {@link #error} for an answer that is a failure, counted as one. */
    AriHttpException httpError(RestRequest r, RestResponse resp) {
        failures.count(RestFailures.Kind.HTTP_STATUS);
        return error(r, resp);
    }

    /** A 2xx answer that is not what was asked for, counted. */
    private AriException badAnswer(RestRequest r, RestResponse resp, String expected, Exception cause) {
        failures.count(RestFailures.Kind.BAD_ANSWER);
        return new AriException("Asterisk's answer to " + r + " is not " + expected + ": " + LogText.escape(resp.body())
                + (cause == null ? "" : " (" + LogText.escape(cause.getMessage()) + ")"), cause);
    }

    void none(RestRequest r) { send(r); }

    <T> T json(RestRequest r, Class<T> type) {
        RestResponse resp = send(r);
        T v;
        try {
            JsonNode n = AriJson.tree(resp.body());
            v = n != null && n.isObject() ? AriJson.as(n, type) : null;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw badAnswer(r, resp, "a " + type.getSimpleName(), e);
        }
        if (v == null) throw badAnswer(r, resp, "a " + type.getSimpleName() + " (a JSON object)", null);
        return v;
    }

    <T> List<T> list(RestRequest r, Class<T> type) {
        RestResponse resp = send(r);
        List<T> list;
        try {
            JsonNode n = AriJson.tree(resp.body());
            list = n != null && n.isArray() ? AriJson.listOf(n, type) : null;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw badAnswer(r, resp, "a list of " + type.getSimpleName(), e);
        }
        if (list == null || list.contains(null)) {
            throw badAnswer(r, resp, "a list of " + type.getSimpleName() + " (a JSON array of objects)", null);
        }
        return list;
    }

    /** Asterisk's answer with an error status as an {@link AriHttpException}: its JSON {@code message}, or the body escaped. Not counted. */
    static AriHttpException error(RestRequest r, RestResponse resp) {
        String message = "";
        String body = resp.body() == null ? "" : resp.body();
        if (!body.isEmpty()) {
            try {
                JsonNode n = AriJson.tree(body);
                message = n.path("message").isTextual() ? n.path("message").asText() : LogText.escape(body);
            } catch (JsonProcessingException e) {
                message = LogText.escape(body);   // an HTML page (400 missing param, 426) or anything else
            }
        }
        return new AriHttpException(resp.status(), resp.reason(), message, r.method, r.path);
    }

    /** The {@code {"value":...}} of a variable answer. */
    Optional<String> value(RestRequest r, RestResponse resp) {
        if (!resp.ok()) throw httpError(r, resp);
        JsonNode n;
        try {
            n = AriJson.tree(resp.body());
        } catch (JsonProcessingException e) {
            throw badAnswer(r, resp, "{\"value\":...}", e);
        }
        if (n == null || !n.isObject()) throw badAnswer(r, resp, "{\"value\":...}", null);   // a failure never passes for "not set"
        JsonNode v = n.get("value");
        return Optional.of(v == null || v.isNull() ? "" : v.asText());
    }
}
