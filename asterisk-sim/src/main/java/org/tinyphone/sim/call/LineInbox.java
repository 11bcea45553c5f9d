package org.tinyphone.sim.call;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Lines read from a socket by their own virtual thread, so the caller can wait for one with a deadline. */
final class LineInbox {
    /** Returned once the peer closed (or the connection failed). Compare by identity. */
    static final String EOF = new String("<eof>");
    private static final int MAX_LINE = 64 * 1024;

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private LineInbox() {}

    static LineInbox start(InputStream in, String name) {
        LineInbox inbox = new LineInbox();
        Thread.ofVirtual().name("sim-read " + name).start(() -> inbox.read(in));
        return inbox;
    }

    private void read(InputStream in) {
        // not closed here: closing a socket's input stream closes the socket, and the caller may still write
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = reader.read()) >= 0) {
                if (c == '\n') {
                    lines.add(line.toString());
                    line.setLength(0);
                } else if (line.length() < MAX_LINE) {
                    line.append((char) c);
                }
            }
        } catch (IOException ignored) {
            // closed
        } finally {
            lines.add(EOF);
        }
    }

    /** The next line, {@link #EOF} once closed, or {@code null} if none came in time. */
    String poll(long timeout, TimeUnit unit) throws InterruptedException {
        String line = lines.poll(timeout, unit);
        if (line == EOF) {
            lines.add(EOF);
        }
        return line;
    }
}
