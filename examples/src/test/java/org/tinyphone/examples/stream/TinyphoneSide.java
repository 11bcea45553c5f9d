package org.tinyphone.examples.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Tinyphone's side of a media stream, as Twilio's docs describe it: connects to the app (the JDK's WebSocket client)
 * and sends {@code connected}, {@code start}, {@code media}… {@code stop}; keeps every message the app sends.
 */
final class TinyphoneSide implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String STREAM_SID = "MZ0123456789abcdef0123456789abcdef";

    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    volatile int closeCode = -1;
    private final WebSocket ws;
    private int sequence;
    private int chunk;

    TinyphoneSide(URI app) throws Exception {
        StringBuilder partial = new StringBuilder();
        ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(app, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        received.add(JSON.readTree(partial.toString()));
                    } catch (Exception e) {
                        throw new AssertionError("the app sent something that is not JSON: " + partial, e);
                    }
                    partial.setLength(0);
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket w, int statusCode, String reason) {
                closeCode = statusCode;
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
    }

    void sendRaw(String text) throws Exception {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    void sendBinary(byte[] bytes) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
    }

    void connectedAndStart(String callSid, String callerId) throws Exception {
        sendRaw("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
        sendRaw("{\"event\":\"start\",\"sequenceNumber\":\"" + ++sequence + "\",\"start\":{\"accountSid\":\"AC00000000000000000000000000000000\","
                + "\"streamSid\":\"" + STREAM_SID + "\",\"callSid\":" + JSON.writeValueAsString(callSid) + ",\"tracks\":[\"inbound\"],"
                + "\"customParameters\":{\"callerId\":\"" + callerId + "\",\"number\":\"13605162099\",\"via\":\"audiosocket\"},"
                + "\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":8000,\"channels\":1}},\"streamSid\":\"" + STREAM_SID + "\"}");
    }

    /** The caller's µ-law audio, 160 bytes (20 ms) a message as Tinyphone sends it. */
    void media(byte[] ulaw) throws Exception {
        for (int at = 0; at < ulaw.length; at += 160) {
            byte[] frame = java.util.Arrays.copyOfRange(ulaw, at, Math.min(ulaw.length, at + 160));
            sendRaw("{\"event\":\"media\",\"sequenceNumber\":\"" + ++sequence + "\",\"media\":{\"track\":\"inbound\",\"chunk\":\""
                    + ++chunk + "\",\"timestamp\":\"" + chunk * 20 + "\",\"payload\":\"" + Base64.getEncoder().encodeToString(frame)
                    + "\"},\"streamSid\":\"" + STREAM_SID + "\"}");
        }
    }

    void dtmf(String digit) throws Exception {
        sendRaw("{\"event\":\"dtmf\",\"streamSid\":\"" + STREAM_SID + "\",\"sequenceNumber\":\"" + ++sequence
                + "\",\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"" + digit + "\"}}");
    }

    /** Tinyphone's answer to an app's mark: the same name back once the audio before it has played. */
    void markBack(String name) throws Exception {
        sendRaw("{\"event\":\"mark\",\"sequenceNumber\":\"" + ++sequence + "\",\"streamSid\":\"" + STREAM_SID
                + "\",\"mark\":{\"name\":" + JSON.writeValueAsString(name) + "}}");
    }

    void stop(String callSid) throws Exception {
        sendRaw("{\"event\":\"stop\",\"sequenceNumber\":\"" + ++sequence + "\",\"streamSid\":\"" + STREAM_SID
                + "\",\"stop\":{\"accountSid\":\"AC00000000000000000000000000000000\",\"callSid\":" + JSON.writeValueAsString(callSid) + "}}");
    }

    List<JsonNode> events(String event) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode m : received) if (m.path("event").asText().equals(event)) out.add(m);
        return out;
    }

    /** Every media payload the app sent, in order, joined. */
    byte[] mediaReceived() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (JsonNode m : events("media")) out.writeBytes(Base64.getDecoder().decode(m.path("media").path("payload").asText()));
        return out.toByteArray();
    }

    @Override
    public void close() {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
}
