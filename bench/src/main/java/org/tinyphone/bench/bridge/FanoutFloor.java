package org.tinyphone.bench.bridge;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor of the bridge keypress case on this machine: a process that does nothing but what any server must do
 * to tell N WebSocket apps about a key, one non-blocking write of a ready-made frame to each socket, from one
 * thread, with no WebSocket library, no JSON and no queues. Run in place of the server (same core), measured by the
 * same {@link BridgeLoad} with the same apps; the gap between its figures and the server's is what Tinyphone
 * itself costs. Accepts {@code clients} upgrades (answering 101 and each app's subscribe with a {@code subscribed}
 * frame), then, for each byte on its control connection, sends a keypress frame with that key to every app.
 * Prints {@code READY <wsPort> <controlPort>}.
 */
public final class FanoutFloor {
    private FanoutFloor() {}

    /** {@code fanout-floor <clients>} */
    public static void main(String[] args) throws Exception {
        int clients = Integer.parseInt(args[0]);
        ServerSocketChannel ws = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), clients);
        ServerSocketChannel control = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        System.out.println("READY " + ((InetSocketAddress) ws.getLocalAddress()).getPort() + " "
                + ((InetSocketAddress) control.getLocalAddress()).getPort());
        System.out.flush();
        List<SocketChannel> apps = new ArrayList<>();
        ByteBuffer in = ByteBuffer.allocate(8192);
        for (int i = 0; i < clients; i++) {
            SocketChannel s = ws.accept();
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            in.clear();
            while (!endOfHead(in)) {
                if (s.read(in) < 0) throw new IOException("app " + i + " closed during the upgrade");
            }
            write(s, ByteBuffer.wrap(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: floor\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            apps.add(s);
        }
        byte[] subscribed = frame("{\"v\":1,\"type\":\"subscribed\",\"id\":\"s1\",\"number\":\"" + BridgeLoad.NUMBER + "\",\"calls\":[]}");
        for (SocketChannel s : apps) { // each app's subscribe: read it (whatever it is), answer it
            in.clear();
            if (s.read(in) < 0) throw new IOException("an app closed before subscribing");
            write(s, ByteBuffer.wrap(subscribed));
            s.configureBlocking(false);
        }
        try (SocketChannel ctl = control.accept()) {
            ByteBuffer key = ByteBuffer.allocate(1);
            while (true) {
                key.clear();
                if (ctl.read(key) < 0) break;
                byte[] f = frame("{\"v\":1,\"type\":\"keypress\",\"call\":\"1795446921.1\",\"number\":\"" + BridgeLoad.NUMBER
                        + "\",\"value\":\"" + (char) key.get(0) + "\",\"at\":\"2026-11-23T18:00:00.000Z\"}");
                for (SocketChannel s : apps) write(s, ByteBuffer.wrap(f));
            }
        }
        System.exit(0);
    }

    private static boolean endOfHead(ByteBuffer b) {
        byte[] a = b.array();
        int n = b.position();
        return n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n';
    }

    private static byte[] frame(String text) {
        byte[] p = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer f = ByteBuffer.allocate(4 + p.length).put((byte) 0x81);
        if (p.length < 126) f.put((byte) p.length);
        else f.put((byte) 126).putShort((short) p.length);
        return java.util.Arrays.copyOf(f.put(p).array(), f.position());
    }

    private static void write(SocketChannel s, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (s.write(b) == 0) Thread.onSpinWait();
        }
    }
}
