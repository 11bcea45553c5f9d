package org.tinyphone.examples.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.Base64;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.tinyphone.net.LogText;

/**
 * One connection of a Twilio Media Streams app, as Tinyphone (or Twilio) opens it for a call: reads Twilio's messages
 * ({@code connected}, {@code start}, {@code media}, {@code dtmf}, {@code mark}, {@code stop}) and hands the ones an
 * app cares about to the subclass; sends {@code media}, {@code mark} and {@code clear}. A message that is not
 * Twilio's is ignored, counted and logged (the first few of a connection, escaped). (Public only because Jetty calls a
 * listener's methods through its class.)
 */
public abstract class StreamCall implements Session.Listener.AutoDemanding {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Ignored messages logged per connection; the rest are only counted. */
    private static final int LOGGED_IGNORED = 5;

    private final String app;
    private final PrintStream out;
    private volatile Session session;
    /** Set by {@code start}: empty before. */
    protected String callSid = "";
    protected String streamSid = "";
    private boolean stopped;
    private int ignored;

    StreamCall(String app, PrintStream out) {
        this.app = app;
        this.out = out;
    }

    /** The call's {@code start}: its ids are set. */
    abstract void started(JsonNode start);

    /** Caller audio: µ-law 8 kHz, usually 160 bytes (20 ms). */
    abstract void media(byte[] ulaw);

    /** A key the caller pressed. */
    void dtmf(String digit) {
        say("key " + LogText.escape(digit, 8));
    }

    /** A mark this app sent came back: the audio before it has played (or was cleared). */
    void markBack(String name) {}

    /** The call is over ({@code stop}, or the connection ended without it; called once, only after {@code start}). */
    abstract void stopped(boolean sawStop);

    /** One line to the app's output, prefixed with the app and the call. */
    final void say(String text) {
        synchronized (out) {
            out.println(app + ": " + (callSid.isEmpty() ? "" : "call " + LogText.escape(callSid, 64) + ": ") + text);
            out.flush();
        }
    }

    @Override
    public void onWebSocketOpen(Session s) {
        session = s;
    }

    @Override
    public void onWebSocketText(String text) {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (Exception e) {
            ignore("not JSON", text);
            return;
        }
        if (m == null || !m.isObject()) {
            ignore("not a JSON object", text);
            return;
        }
        String event = m.path("event").asText("");
        switch (event) {
            case "connected" -> { }
            case "start" -> {
                JsonNode start = m.path("start");
                if (!callSid.isEmpty()) {
                    ignore("a second start", text);
                } else if (!start.path("callSid").isTextual() || start.path("callSid").asText().isEmpty()) {
                    ignore("start without a callSid", text);
                } else {
                    callSid = start.path("callSid").asText();
                    streamSid = start.path("streamSid").asText(m.path("streamSid").asText(""));
                    started(start);
                }
            }
            case "media" -> {
                byte[] ulaw = payload(m);
                if (ulaw == null) ignore("media without a base64 payload", text);
                else if (callSid.isEmpty()) ignore("media before start", text);
                else if (!stopped) media(ulaw);
            }
            case "dtmf" -> {
                String digit = m.path("dtmf").path("digit").asText("");
                if (digit.isEmpty()) ignore("dtmf without a digit", text);
                else dtmf(digit);
            }
            case "mark" -> {
                String name = m.path("mark").path("name").asText("");
                if (name.isEmpty()) ignore("mark without a name", text);
                else markBack(name);
            }
            case "stop" -> stop(true);
            default -> ignore("unknown event", text);
        }
    }

    private static byte[] payload(JsonNode m) {
        JsonNode p = m.path("media").path("payload");
        if (!p.isTextual()) return null;
        try {
            return Base64.getDecoder().decode(p.asText());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        ignore("a binary frame", payload.remaining() + " bytes");
        callback.succeed();
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        stop(false);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        say("connection failed: " + LogText.escape(cause.toString()));
    }

    private void stop(boolean sawStop) {
        if (stopped || callSid.isEmpty()) return;
        stopped = true;
        stopped(sawStop);
    }

    /** Messages ignored on this connection so far. */
    final int ignored() {
        return ignored;
    }

    private void ignore(String why, String text) {
        if (++ignored <= LOGGED_IGNORED) {
            say("ignored a message (" + why + "): " + LogText.escape(text, 120)
                    + (ignored == LOGGED_IGNORED ? " (further ones only counted)" : ""));
        }
    }

    /** Sends {@code {"event":"media","streamSid":…,"media":{"payload":…}}}. */
    final void sendMedia(byte[] ulaw) {
        ObjectNode m = message("media");
        m.putObject("media").put("payload", Base64.getEncoder().encodeToString(ulaw));
        send(m);
    }

    /** Sends {@code {"event":"mark","streamSid":…,"mark":{"name":…}}}: Tinyphone sends it back once what is queued before has played. */
    final void sendMark(String name) {
        ObjectNode m = message("mark");
        m.putObject("mark").put("name", name);
        send(m);
    }

    /** Sends {@code {"event":"clear","streamSid":…}}: drops the audio queued for the caller. */
    final void sendClear() {
        send(message("clear"));
    }

    private ObjectNode message(String event) {
        return JSON.createObjectNode().put("event", event).put("streamSid", streamSid);
    }

    private void send(ObjectNode message) {
        Session s = session;
        if (s != null && s.isOpen()) s.sendText(message.toString(), Callback.NOOP);
    }
}
