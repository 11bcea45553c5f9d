package org.tinyphone.server.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.access.AccessPolicy;
import org.tinyphone.server.access.Peer;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Numbers;
import org.tinyphone.server.stream.InboundApps;

/**
 * The handshake of a media stream app connecting in at {@code /streams/<number>} (docs/streams.md): a page of another
 * origin is refused as at {@code /ws} ({@link BrowserOrigins}), and the app needs full access to the number under the
 * server's access rules, with the number's token as {@code ?token=} or {@code Authorization: Bearer} where one is
 * needed (it plays audio to the callers). The HTTP listener's connection caps hold for these connections too.
 */
public final class StreamAppUpgrade implements WebSocketCreator {
    private static final Logger log = LoggerFactory.getLogger(StreamAppUpgrade.class);
    private static final LogLimiter REFUSALS = new LogLimiter(5, Duration.ofSeconds(10));

    private final InboundApps apps;
    private final AccessPolicy access;
    private final BrowserOrigins origins;

    public StreamAppUpgrade(InboundApps apps, AccessPolicy access, BrowserOrigins origins) {
        this.apps = apps;
        this.access = access;
        this.origins = origins;
    }

    @Override
    public Object createWebSocket(ServerUpgradeRequest req, ServerUpgradeResponse resp, Callback cb) {
        String remote = String.valueOf(req.getConnectionMetaData().getRemoteSocketAddress());
        String refused = origins.refusal(req.getHeaders().get(HttpHeader.ORIGIN), req.getHeaders().get(HttpHeader.HOST),
                req.isSecure());
        if (refused != null) return refuse(req, resp, cb, 403, remote, refused);
        String number = number(Request.getPathInContext(req));
        if (number == null) {
            return refuse(req, resp, cb, 404, remote, "not a number: connect to " + InboundApps.PATH + "<number> or "
                    + InboundApps.PATH + "*");
        }
        Peer peer = LivePage.peer(req);
        AccessPolicy.Grant grant = access.grant(number, token(req), peer);
        if (!grant.allows(AccessPolicy.Level.FULL)) {
            return refuse(req, resp, cb, 403, remote, "a stream app plays audio to " + number + "'s callers: it needs full "
                    + "access (" + (grant.why() == null ? "this peer may only watch" : grant.why()) + ")");
        }
        return apps.endpoint(number, remote);
    }

    private static Object refuse(ServerUpgradeRequest req, ServerUpgradeResponse resp, Callback cb, int status, String remote,
                                 String why) {
        REFUSALS.warn(log, "stream app refused", "stream app from {} refused at {}: {}", LogText.escape(remote),
                LogText.escape(Request.getPathInContext(req)), LogText.escape(why));
        Response.writeError(req, resp, cb, status, why);
        return null;
    }

    /** The number of /streams/NUMBER in its normal form, "*", or null when it is none. */
    static String number(String path) {
        if (path == null || !path.startsWith(InboundApps.PATH)) return null;
        String raw;
        try {
            raw = URLDecoder.decode(path.substring(InboundApps.PATH.length()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (raw.equals(Bridge.ALL_NUMBERS)) return raw;
        String n = Numbers.normalize(raw);
        if (Numbers.problem(n) != null || n.indexOf('/') >= 0 || n.indexOf('*') >= 0) return null;
        return n;
    }

    /** The token of {@code ?token=}, else of {@code Authorization: Bearer}, else null. */
    private static String token(ServerUpgradeRequest req) {
        Fields query = Request.extractQueryParameters(req, StandardCharsets.UTF_8);
        String t = query.getValue("token");
        if (t != null && !t.isEmpty()) return t;
        String auth = req.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && auth.length() > 7) return auth.substring(7).trim();
        return null;
    }
}
