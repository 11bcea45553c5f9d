package org.tinyphone.bench.agi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The floor of the fastagi case: the leanest FastAGI server a JVM can run with a virtual thread per call, to show
 * what part of a call's CPU no Java server can save on this machine (the kernel's TCP work for the same bytes).
 * It skips everything a real server needs: no routing, no parsing of the environment or the replies (it reads up
 * to the blank line, then one read per reply), no socket options, no timeouts, no error handling. It writes the
 * same six commands as {@link TinyphoneAgi#CALL} and closes. Not an AGI server; a measuring stick.
 */
final class FloorAgi implements AgiServerMain.Impl {
    private static final byte[][] COMMANDS = {
        bytes("ANSWER\n"), bytes("GET VARIABLE \"CALLERID(name)\"\n"), bytes("STREAM FILE \"hello-world\" \"\"\n"),
        bytes("STREAM FILE \"goodbye\" \"\"\n"), bytes("SAY NUMBER 42 \"\"\n"), bytes("HANGUP\n"),
    };

    private ServerSocket ss;

    @Override
    public int start(String script) throws Exception {
        if (!"call".equals(script)) throw new UnsupportedOperationException("the floor server only runs the call script");
        ss = new ServerSocket();
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        Thread.ofVirtual().name("floor-accept").start(() -> {
            while (true) {
                try {
                    Socket s = ss.accept();
                    Thread.ofVirtual().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return ss.getLocalPort();
    }

    private static void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[4096];
            int prev = -1;
            boolean blankLine = false;
            while (!blankLine) { // the environment, up to its blank line
                int n = in.read(buf);
                if (n < 0) return;
                for (int i = 0; i < n && !blankLine; i++) {
                    blankLine = buf[i] == '\n' && prev == '\n';
                    prev = buf[i];
                }
            }
            for (byte[] command : COMMANDS) {
                out.write(command);
                int n;
                do { // one reply line
                    n = in.read(buf);
                    if (n < 0) return;
                } while (buf[n - 1] != '\n');
            }
        } catch (IOException e) {
            // the caller went away: nothing to measure
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        if (ss != null) ss.close();
    }
}
