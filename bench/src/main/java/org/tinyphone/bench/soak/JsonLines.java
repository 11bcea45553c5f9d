package org.tinyphone.bench.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;

/** A native-dialect TCP connection (port 12002): one JSON object per line each way, lines read by a virtual thread. */
final class JsonLines implements AutoCloseable {
    private final String name;
    private final int port;
    private final Consumer<String> onLine;
    private final Consumer<String> onClosed;
    private final ReentrantLock writeLock = new ReentrantLock();
    private Socket socket;
    private OutputStream out;

    /** @param onClosed gets why the connection ended (the server closed it, or reading failed) */
    JsonLines(String name, int port, Consumer<String> onLine, Consumer<String> onClosed) {
        this.name = name;
        this.port = port;
        this.onLine = onLine;
        this.onClosed = onClosed;
    }

    void open() throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        Thread.ofVirtual().name("soak-" + name).start(() -> {
            String why = "the server closed the connection";
            try {
                String line;
                while ((line = in.readLine()) != null) onLine.accept(line);
            } catch (IOException e) {
                why = e.toString();
            }
            onClosed.accept(why);
        });
    }

    void send(String json) throws IOException {
        writeLock.lock();
        try {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() {
        try {
            if (socket != null) socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
