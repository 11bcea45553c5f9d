package org.tinyphone.server.stream;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * What the app sends on a connection the server opened (the JDK's WebSocket client), assembled into whole messages
 * for the stream's {@link MediaStream.Connection}: text up to {@code stream.max-message} characters (a longer one is
 * counted, not kept), binary messages counted, the close and the failure. One message at a time is asked for.
 */
final class JdkAppListener implements WebSocket.Listener {
    private final MediaStream.Connection c;
    private final StringBuilder text = new StringBuilder();
    private long length;
    private boolean tooLong;

    JdkAppListener(MediaStream.Connection c) {
        this.c = c;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        length += data.length();
        if (!tooLong) {
            if (text.length() + data.length() > c.maxMessage()) {
                tooLong = true;
                text.setLength(0);
            } else {
                text.append(data);
            }
        }
        if (last) {
            c.text(tooLong ? null : text.toString(), length);
            text.setLength(0);
            tooLong = false;
            length = 0;
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        length += data.remaining();
        if (last) {
            c.binary(length);
            length = 0;
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        c.closedByApp(statusCode, reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        c.failed(error);
    }
}
