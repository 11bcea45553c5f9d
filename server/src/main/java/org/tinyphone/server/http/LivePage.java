package org.tinyphone.server.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.tinyphone.server.access.AccessPolicy;
import org.tinyphone.server.access.Peer;
import org.tinyphone.server.bridge.CallState;
import org.tinyphone.server.bridge.Numbers;
import org.tinyphone.server.clients.ClientSessions;
import org.tinyphone.server.clients.NativeCodec;

/**
 * The built-in live page at {@code /} with its first paint in it: the calls in progress on the number the address
 * asks for ({@code ?number=N}, all numbers without it), as the {@code subscribed} reply the page would get over
 * {@code /ws}, in a JSON data block ({@code <script type="application/json" id="first-paint">}, which no browser
 * runs, so the page's Content-Security-Policy is unchanged). The page draws them before its WebSocket is open, so a
 * screen (or a screenshot) shows the calls at once instead of "connecting…".
 *
 * <p>The page gets no more than its WebSocket would: the same {@link AccessPolicy} grant for the number, the
 * address's {@code ?token=} and the peer (wrong tokens count against the address as on {@code /ws}), and a request
 * from another site's page (an Origin that {@link BrowserOrigins} refuses) gets the page with no calls in it.
 */
final class LivePage extends Handler.Abstract.NonBlocking {
    /** The empty data block in web/index.html that the calls go into. */
    static final String SLOT = "<script type=\"application/json\" id=\"first-paint\"></script>";

    private final String before;
    private final String after;
    private final ClientSessions clientSessions;
    private final BrowserOrigins origins;

    /** @param page the built-in page's HTML, which holds {@link #SLOT} once */
    LivePage(String page, ClientSessions clientSessions, BrowserOrigins origins) {
        int at = page.indexOf(SLOT);
        if (at < 0 || page.indexOf(SLOT, at + 1) >= 0) {
            throw new IllegalArgumentException("the built-in page must hold the first-paint slot exactly once");
        }
        this.before = page.substring(0, at + SLOT.length() - "</script>".length());
        this.after = page.substring(at + SLOT.length() - "</script>".length());
        this.clientSessions = clientSessions;
        this.origins = origins;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.equals("/") && !path.equals("/index.html")) return false;
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            Response.writeError(request, response, callback, 405);
            return true;
        }
        Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        String data = firstPaint(query.getValue("number"), query.getValue("token"), request);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");   // it holds calls: never from a cache
        Content.Sink.write(response, true, "HEAD".equals(request.getMethod()) ? "" : before + data + after, callback);
        return true;
    }

    /** The data block's text: the {@code subscribed} message for the number, or "" when the page may show none. */
    private String firstPaint(String number, String token, Request request) {
        HttpFields headers = request.getHeaders();
        if (origins.refusal(headers.get(HttpHeader.ORIGIN), headers.get(HttpHeader.HOST), request.isSecure()) != null) return "";
        String n = number == null || number.isBlank() ? "*" : Numbers.normalize(number);
        if (Numbers.problem(n) != null) return "";   // no number: the page's subscribe says why
        AccessPolicy.Grant grant = clientSessions.access().grant(n, token == null || token.isEmpty() ? null : token, peer(request));
        if (!grant.allows(AccessPolicy.Level.WATCH)) return "";   // the WebSocket says why when the page subscribes
        List<CallState> calls = clientSessions.bridge().snapshot(n);
        return inScript(NativeCodec.subscribed(null, n, grant.level(), calls));
    }

    /** JSON made safe inside a script element: no {@code </script>}, no HTML comment, no line separators JS refuses. */
    static String inScript(String json) {
        StringBuilder sb = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<' -> sb.append("\\u003c");
                case '>' -> sb.append("\\u003e");
                case '&' -> sb.append("\\u0026");
                case '\u2028' -> sb.append("\\u2028");
                case '\u2029' -> sb.append("\\u2029");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Who asks, as {@code /ws} sees it: the address, and whether it is this machine (no proxy in between). */
    static Peer peer(Request request) {
        HttpFields headers = request.getHeaders();
        boolean forwarded = headers.contains(HttpHeader.FORWARDED) || headers.contains(HttpHeader.X_FORWARDED_FOR)
                || headers.contains("X-Real-IP");
        InetAddress address = request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress a
                ? a.getAddress() : null;
        return new Peer(address, BrowserOrigins.fromLocal(address, headers.get(HttpHeader.HOST), forwarded));
    }
}
