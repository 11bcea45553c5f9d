package org.tinyphone.bench.soak;

import java.io.IOException;
import java.util.List;

/** A good app of the native dialect over TCP (port 12002): one JSON object per line each way. */
final class NativeTcpApp extends NativeApp {
    private final JsonLines lines;

    NativeTcpApp(String name, int port, Ledger ledger, Watcher watcher, List<String> subscribeAs, boolean commands) {
        super(name, ledger, watcher, subscribeAs, commands);
        this.lines = new JsonLines(name, port, this::onText, this::onClosed);
    }

    @Override
    protected void open() throws IOException {
        lines.open();
    }

    @Override
    protected void sendText(String json) throws IOException {
        lines.send(json);
    }

    @Override
    public void close() {
        closing = true;
        lines.close();
    }
}
