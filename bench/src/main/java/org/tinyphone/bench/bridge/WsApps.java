package org.tinyphone.bench.bridge;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Many WebSocket apps on one thread and one selector: the measuring side of the bridge cases. The JDK's
 * {@code HttpClient} WebSocket hands every message through several threads (~40 µs each here), so 1,000 of
 * them in one process measured mostly themselves; this client reads each socket once per wake-up and looks at
 * the bytes of each text frame without decoding them. Plain RFC 6455 client: masked frames out, unmasked in,
 * pings answered, fragments joined.
 */
final class WsApps implements AutoCloseable {
    /** Called on the selector thread for each complete text message, with the time its bytes were read. */
    interface Handler {
        void onText(int app, byte[] msg, int len, long readAt);
    }

    private final class App {
        final int index;
        final SocketChannel ch;
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        byte[] msg = new byte[1024];
        int msgLen;

        App(int index, SocketChannel ch) {
            this.index = index;
            this.ch = ch;
        }
    }

    private final Selector selector;
    private final List<App> apps = new ArrayList<>();
    private volatile boolean closed;

    /** Opens {@code n} WebSockets to {@code ws://127.0.0.1:port/path} (blocking handshakes, then non-blocking). */
    WsApps(int port, String path, int n) throws IOException {
        selector = Selector.open();
        InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open(addr);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            byte[] key = new byte[16];
            ThreadLocalRandom.current().nextBytes(key);
            String req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key)
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            writeFully(ch, ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII)));
            App app = new App(i, ch);
            readHandshake(app);
            ch.configureBlocking(false);
            apps.add(app);
        }
    }

    /** Reads the 101 response; any bytes after it stay in the app's input buffer. */
    private static void readHandshake(App app) throws IOException {
        ByteBuffer b = app.in;
        while (true) {
            if (app.ch.read(b) < 0) throw new IOException("WebSocket handshake: connection closed");
            byte[] a = b.array();
            for (int i = 3; i < b.position(); i++) {
                if (a[i - 3] == '\r' && a[i - 2] == '\n' && a[i - 1] == '\r' && a[i] == '\n') {
                    String head = new String(a, 0, i, StandardCharsets.US_ASCII);
                    if (!head.startsWith("HTTP/1.1 101")) throw new IOException("WebSocket handshake refused: " + head);
                    b.flip().position(i + 1);
                    b.compact();
                    return;
                }
            }
            if (!b.hasRemaining()) throw new IOException("WebSocket handshake: response too long");
        }
    }

    int size() { return apps.size(); }

    /** Sends one text message from an app (blocking until written: setup traffic only). */
    void sendText(int app, String text) throws IOException {
        send(apps.get(app), 0x1, text.getBytes(StandardCharsets.UTF_8));
    }

    private void send(App app, int opcode, byte[] payload) throws IOException {
        int len = payload.length;
        ByteBuffer f = ByteBuffer.allocate(14 + len);
        f.put((byte) (0x80 | opcode));
        if (len < 126) f.put((byte) (0x80 | len));
        else if (len < 65536) f.put((byte) (0x80 | 126)).putShort((short) len);
        else f.put((byte) (0x80 | 127)).putLong(len);
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.put(mask);
        for (int i = 0; i < len; i++) f.put((byte) (payload[i] ^ mask[i & 3]));
        f.flip();
        synchronized (app) {
            writeFully(app.ch, f);
        }
    }

    private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.write(b) == 0) Thread.onSpinWait();
        }
    }

    /** Runs the read loop on the calling thread until {@link #close}. */
    void run(Handler handler) throws IOException {
        for (App a : apps) {
            a.ch.register(selector, SelectionKey.OP_READ, a);
            if (a.in.position() > 0) parse(a, handler, System.nanoTime());
        }
        while (!closed) {
            selector.select(100);
            long now = System.nanoTime();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                App a = (App) k.attachment();
                int n;
                try {
                    n = a.ch.read(a.in);
                } catch (IOException e) {
                    n = -1;
                }
                if (n < 0) {
                    k.cancel();
                    a.ch.close();
                    continue;
                }
                parse(a, handler, now);
                if (!a.in.hasRemaining()) { // a frame larger than the buffer: grow
                    ByteBuffer bigger = ByteBuffer.allocate(a.in.capacity() * 2);
                    a.in.flip();
                    bigger.put(a.in);
                    a.in = bigger;
                }
            }
        }
    }

    /** Takes every complete frame out of the app's input buffer. */
    private void parse(App a, Handler handler, long now) throws IOException {
        ByteBuffer b = a.in;
        b.flip();
        while (b.remaining() >= 2) {
            int start = b.position();
            int b0 = b.get(start) & 0xff, b1 = b.get(start + 1) & 0xff;
            int head = 2;
            long len = b1 & 0x7f;
            if (len == 126) {
                if (b.remaining() < 4) break;
                len = b.getShort(start + 2) & 0xffff;
                head = 4;
            } else if (len == 127) {
                if (b.remaining() < 10) break;
                len = b.getLong(start + 2);
                head = 10;
            }
            if ((b1 & 0x80) != 0) throw new IOException("server frames must not be masked");
            if (b.remaining() < head + len) break;
            int op = b0 & 0x0f;
            int p = start + head;
            switch (op) {
                case 0x1, 0x0 -> {
                    if (op == 0x1) a.msgLen = 0;
                    if (a.msgLen + len > a.msg.length) a.msg = java.util.Arrays.copyOf(a.msg, (int) Math.max(a.msg.length * 2L, a.msgLen + len));
                    b.get(p, a.msg, a.msgLen, (int) len);
                    a.msgLen += (int) len;
                    if ((b0 & 0x80) != 0) handler.onText(a.index, a.msg, a.msgLen, now);
                }
                case 0x9 -> { // ping: pong with the same payload
                    byte[] data = new byte[(int) len];
                    b.get(p, data);
                    send(a, 0xA, data);
                }
                default -> { } // pong, binary, close: nothing to do here
            }
            b.position(p + (int) len);
        }
        b.compact();
    }

    /** True when the message's bytes contain the given ASCII text. */
    static boolean contains(byte[] msg, int len, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= len; i++) {
            for (int j = 0; j < needle.length; j++) if (msg[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        selector.wakeup();
        for (App a : apps) a.ch.close();
    }
}
