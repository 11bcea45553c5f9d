package org.tinyphone.bench.soak;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.tinyphone.bench.soak.CallMix.Action;
import org.tinyphone.client.CommandResult;
import org.tinyphone.client.ConnectionState;
import org.tinyphone.client.TinyphoneClient;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.client.TinyphoneListener;

/** A good app built on the Java client of client/ ({@link TinyphoneClient}): typed events, typed commands. */
final class JavaClientApp implements AutoCloseable {
    private final String name;
    private final int port;
    private final List<String> numbers;
    private final Watcher watcher;
    private final Commander commander;
    private volatile boolean closing;
    private TinyphoneClient client;

    JavaClientApp(String name, int port, List<String> numbers, Ledger ledger, Watcher watcher) {
        this.name = name;
        this.port = port;
        this.numbers = List.copyOf(numbers);
        this.watcher = watcher;
        this.commander = new Commander(name, ledger) {
            @Override
            protected CompletableFuture<Ledger.Answer> send(String callId, Action action, String command,
                                                            Map<String, Object> f) {
                CompletableFuture<CommandResult> r = switch (action) {
                    case PLAY -> client.play(callId, (String) f.get("file"), (String) f.get("escape_digits"));
                    case SAY, UNSUPPORTED -> client.sayDigits(callId, (String) f.get("digits"));
                    case COLLECT -> client.collectDigits(callId, (String) f.get("prompt"), (Integer) f.get("max_digits"),
                            Duration.ofMillis((Integer) f.get("timeout_ms")));
                    case SET_VARIABLE -> client.setVariable(callId, (String) f.get("name"), (String) f.get("value"));
                    case HANGUP -> client.hangup(callId);
                    case NONE -> throw new IllegalArgumentException("no command");
                };
                return r.thenApply(c -> new Ledger.Answer(name, action, c.ok(), c.value(), c.error()));
            }
        };
    }

    void start() throws IOException, InterruptedException {
        client = TinyphoneClient.builder().port(port).listener(new TinyphoneListener() {
            @Override
            public void onEvent(TinyphoneEvent event) {
                switch (event) {
                    case TinyphoneEvent.NewCaller c -> {
                        watcher.newCaller(c.callId(), c.number(), c.via(), c.callerId());
                        commander.onNewCaller(c.callId(), c.args());
                    }
                    case TinyphoneEvent.Keypress k -> {
                        watcher.keypress(k.callId(), String.valueOf(k.key()));
                        commander.onKeypress(k.callId());
                    }
                    case TinyphoneEvent.AudioLevel l -> watcher.level(l.callId(), l.level());
                    case TinyphoneEvent.Hangup h -> {
                        watcher.hangup(h.callId(), h.cause());
                        commander.onHangup(h.callId());
                    }
                    case TinyphoneEvent.Sms m -> watcher.problem("a text message the soak never sent: " + m.messageId());
                    case TinyphoneEvent.Snapshot s -> {
                        if (!s.calls().isEmpty()) watcher.problem("calls in progress before the soak placed any: " + s.calls());
                    }
                }
            }

            @Override
            public void onConnection(ConnectionState state, String reason) {
                if (state == ConnectionState.LOST && !closing) watcher.connectionLost(reason);
            }
        }).connect();
        try {
            for (String n : numbers) client.subscribe(n).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(name + ": subscribe failed: " + e, e);
        }
    }

    @Override
    public void close() {
        closing = true;
        if (client != null) client.close();
    }
}
