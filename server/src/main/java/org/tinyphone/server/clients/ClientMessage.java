package org.tinyphone.server.clients;

import com.fasterxml.jackson.databind.JsonNode;
import org.tinyphone.server.bridge.AudioFormat;
import org.tinyphone.server.bridge.CallCommand;

/** A message a native client sends (decoded by {@link NativeCodec}); {@code id} is echoed in the reply (may be null). */
public sealed interface ClientMessage {
    JsonNode id();

    /** Watch a number ("*" = all numbers); the reply carries the calls in progress. */
    record Subscribe(JsonNode id, String number, String token) implements ClientMessage {}

    /** Stop watching a number. */
    record Unsubscribe(JsonNode id, String number) implements ClientMessage {}

    /** Run a command on a call the client watches. */
    record Command(JsonNode id, String call, CallCommand command) implements ClientMessage {}

    /** Listen to a call's audio in {@code format} (a command: the client's own listener, so not a {@link CallCommand}). */
    record Listen(JsonNode id, String call, AudioFormat format) implements ClientMessage {}

    /** Stop listening to a call's audio. */
    record StopListen(JsonNode id, String call) implements ClientMessage {}

    /** Liveness check; answered with pong. */
    record Ping(JsonNode id) implements ClientMessage {}
}
