package org.tinyphone.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinyphone.bench.soak.CallMix.Action;

/**
 * A good app of the native dialect, whatever carries its messages (TCP lines or WebSocket text frames): subscribes,
 * hands every message to the {@link Ledger}, and, if it commands, sends the plans' commands and matches their
 * answers by id.
 */
abstract class NativeApp implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    final Watcher watcher;
    private final List<String> subscribeAs;
    private final Commander commander; // null: this app only watches
    private final Map<String, CompletableFuture<JsonNode>> requests = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final CountDownLatch subscribed;
    volatile boolean closing;

    /**
     * @param subscribeAs the numbers as this app writes them in its subscribe messages (any form, {@code "*"})
     * @param commands    whether it carries out the plans addressed to {@code name}
     */
    NativeApp(String name, Ledger ledger, Watcher watcher, List<String> subscribeAs, boolean commands) {
        this.name = name;
        this.watcher = watcher;
        this.subscribeAs = List.copyOf(subscribeAs);
        this.subscribed = new CountDownLatch(subscribeAs.size());
        this.commander = !commands ? null : new Commander(name, ledger) {
            @Override
            protected CompletableFuture<Ledger.Answer> send(String callId, Action action, String command,
                                                            Map<String, Object> fields) {
                String id = "c" + ids.incrementAndGet();
                ObjectNode m = JSON.createObjectNode().put("type", "command").put("id", id).put("call", callId)
                        .put("command", command);
                fields.forEach((k, v) -> m.set(k, JSON.valueToTree(v)));
                CompletableFuture<JsonNode> reply = new CompletableFuture<>();
                requests.put(id, reply);
                try {
                    sendText(m.toString());
                } catch (IOException e) {
                    requests.remove(id);
                    return CompletableFuture.failedFuture(e);
                }
                return reply.orTimeout(2, TimeUnit.MINUTES).thenApply(r -> r.path("type").asText().equals("result")
                        ? new Ledger.Answer(name, action, r.path("ok").asBoolean(false), r.path("value").asText(""),
                                r.path("ok").asBoolean(false) ? null : r.path("error").asText(""))
                        : new Ledger.Answer(name, action, false, "", r.path("code").asText() + ": " + r.path("message").asText()));
            }
        };
    }

    /** Sends one message (one line, or one text frame). */
    protected abstract void sendText(String json) throws IOException;

    /** Connects and starts reading; {@link #start} subscribes afterwards. */
    protected abstract void open() throws IOException;

    /** Connects, subscribes to every number and waits for each {@code subscribed}. */
    final void start() throws IOException, InterruptedException {
        open();
        List<String> messages = new ArrayList<>();
        for (String n : subscribeAs) {
            messages.add(JSON.createObjectNode().put("type", "subscribe").put("number", n).put("id", "s-" + n).toString());
        }
        for (String m : messages) sendText(m);
        if (!subscribed.await(20, TimeUnit.SECONDS)) throw new IOException(name + ": not subscribed within 20 s");
    }

    /** One message from the server. */
    final void onText(String text) {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (IOException e) {
            watcher.problem("not JSON from the server: " + Problems.printable(text));
            return;
        }
        String type = m.path("type").asText();
        String call = m.path("call").asText();
        switch (type) {
            case "new_caller" -> {
                watcher.newCaller(call, m.path("number").asText(), m.path("via").asText(), m.path("caller_id").asText());
                if (commander != null) {
                    List<String> args = new ArrayList<>();
                    m.path("args").forEach(a -> args.add(a.asText()));
                    commander.onNewCaller(call, args);
                }
            }
            case "keypress" -> {
                watcher.keypress(call, m.path("value").asText());
                if (commander != null) commander.onKeypress(call);
            }
            case "audio_level" -> watcher.level(call, m.path("value").asLong(-1));
            case "hangup" -> {
                watcher.hangup(call, m.path("cause").asText());
                if (commander != null) commander.onHangup(call);
            }
            case "subscribed" -> {
                if (m.path("calls").size() > 0) watcher.problem("calls in progress before the soak placed any: " + m.path("calls"));
                subscribed.countDown();
            }
            case "result", "error" -> {
                CompletableFuture<JsonNode> r = requests.remove(m.path("id").asText());
                if (r != null) r.complete(m);
                else watcher.problem("unexpected " + type + " from the server: " + Problems.printable(text));
            }
            case "disconnect" -> watcher.connectionLost("the server said disconnect: " + m.path("reason").asText());
            case "hello", "pong" -> { }
            default -> watcher.problem("unknown message from the server: " + Problems.printable(text));
        }
    }

    /** The connection ended (or failed) while the soak still runs. */
    final void onClosed(String why) {
        if (!closing) watcher.connectionLost(why);
        requests.values().forEach(r -> r.completeExceptionally(new IOException("connection closed: " + why)));
    }
}
