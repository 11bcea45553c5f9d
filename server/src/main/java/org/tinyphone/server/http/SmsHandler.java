package org.tinyphone.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.tinyphone.net.jetty.RequestDeadline;
import org.tinyphone.server.sms.SmsWebhook;

/**
 * Jetty's side of the SMS webhook ({@link SmsWebhook#PATH}), on 12004 and on 12003: reads the form body, at most
 * {@link SmsWebhook#MAX_BODY} bytes (a longer one, announced or not, gets 413 unread), and writes the webhook's reply.
 * Runs on a virtual thread, so the body is read blocking; the whole body must arrive within the listener's request
 * deadline (listeners.handshake-timeout), or the connection is closed.
 */
final class SmsHandler extends Handler.Abstract {
    private final SmsWebhook webhook;
    private final RequestDeadline deadline;

    /** @param deadline the listener's request deadline, which the form body must meet too */
    SmsHandler(SmsWebhook webhook, RequestDeadline deadline) {
        this.webhook = webhook;
        this.deadline = deadline;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
        if (!SmsWebhook.PATH.equals(Request.getPathInContext(request))) return false;
        long announced = request.getLength();
        if (announced > SmsWebhook.MAX_BODY) {
            tooLarge(request, response, callback);
            return true;
        }
        byte[] body;
        Scheduler.Task late = deadline.bodyDeadline(request);   // a body that drips is closed at the deadline
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readNBytes(SmsWebhook.MAX_BODY + 1);
        } finally {
            late.cancel();
        }
        if (body.length > SmsWebhook.MAX_BODY) {
            tooLarge(request, response, callback);
            return true;
        }
        InetAddress peer = request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress a
                ? a.getAddress() : null;
        String target = request.getHttpURI().getPathQuery();
        SmsWebhook.Reply reply = webhook.handle(new SmsWebhook.Request(request.getMethod(), target,
                name -> request.getHeaders().get(name), peer, request.isSecure(), body));
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        if (reply.status() == 405) response.getHeaders().put(HttpHeader.ALLOW, "POST");
        Content.Sink.write(response, true, reply.body(), callback);
        return true;
    }

    private static void tooLarge(Request request, Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close"); // the rest of the body is not read
        Response.writeError(request, response, callback, 413, "the body is larger than " + SmsWebhook.MAX_BODY + " bytes");
    }
}
