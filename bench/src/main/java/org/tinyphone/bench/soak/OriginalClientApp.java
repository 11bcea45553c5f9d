package org.tinyphone.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A good app of the original hub's dialect (port 12002): {@code CONNECT,<id>,<number>,NULL|CR}, then
 * {@code {"id","event","value"}} messages ended by {@code \0} or {@code \n}: {@code new_call} (value
 * {@code callerid|args…}), {@code keypress}, {@code audio_level}, {@code hangup}. Receive only.
 */
final class OriginalClientApp implements AutoCloseable {
    private final String name;
    private final int port;
    private final String number;
    private final boolean nullTerminated;
    private final Watcher watcher;
    private volatile boolean closing;
    private Socket socket;

    OriginalClientApp(String name, int port, String number, boolean nullTerminated, Watcher watcher) {
        this.name = name;
        this.port = port;
        this.number = number;
        this.nullTerminated = nullTerminated;
        this.watcher = watcher;
    }

    void start() throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setTcpNoDelay(true);
        socket.getOutputStream().write(("CONNECT,soak-" + name + "," + number + "," + (nullTerminated ? "NULL" : "CR") + "\n")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        int end = nullTerminated ? 0 : '\n';
        Thread.ofVirtual().name("soak-" + name).start(() -> {
            String why = "the server closed the connection";
            try {
                byte[] buf = new byte[16384];
                ByteArrayOutputStream message = new ByteArrayOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    int from = 0;
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == end) {
                            message.write(buf, from, i - from);
                            onMessage(message.toString(StandardCharsets.UTF_8));
                            message.reset();
                            from = i + 1;
                        }
                    }
                    message.write(buf, from, n - from);
                }
            } catch (IOException e) {
                why = e.toString();
            }
            if (!closing) watcher.connectionLost(why);
        });
    }

    private void onMessage(String text) {
        JsonNode m;
        try {
            m = NativeApp.JSON.readTree(text);
        } catch (IOException e) {
            watcher.problem("not JSON from the server: " + Problems.printable(text));
            return;
        }
        String id = m.path("id").asText();
        String value = m.path("value").asText();
        switch (m.path("event").asText()) {
            case "new_call" -> watcher.newCaller(id, null, null, value.split("\\|", -1)[0]);
            case "keypress" -> watcher.keypress(id, value);
            case "audio_level" -> {
                try {
                    watcher.level(id, Long.parseLong(value));
                } catch (NumberFormatException e) {
                    watcher.problem("audio_level value '" + Problems.printable(value) + "'");
                }
            }
            case "hangup" -> watcher.hangup(id, value);
            default -> watcher.problem("unknown message from the server: " + Problems.printable(text));
        }
    }

    @Override
    public void close() throws IOException {
        closing = true;
        if (socket != null) socket.close();
    }
}
