package org.tinyphone.server.http;

import java.time.Duration;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.jetty.GuardedConnector;
import org.tinyphone.server.config.ListenerConfig;
import org.tinyphone.server.sms.SmsWebhook;

/**
 * The original hub's SMS port (12004): Twilio's incoming-message webhook ({@code POST /incoming}) and nothing else
 * (404), with the guards of the HTTP port (connection cap, one host's share, request deadline, security headers).
 */
public final class SmsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmsServer.class);

    private final Server server;
    private final GuardedConnector connector;
    private final ListenerStats stats;

    private SmsServer(Server server, GuardedConnector connector, ListenerStats stats) {
        this.server = server;
        this.connector = connector;
        this.stats = stats;
    }

    /**
     * @param maxConnections connections open at once (sms.max-connections)
     * @param maxPerAddress  connections one other host may have open (listeners.max-per-address)
     * @param requestTimeout how long a connection may take to send a request's headers (listeners.handshake-timeout)
     */
    public static SmsServer start(ListenerConfig listener, SmsWebhook webhook, int maxConnections, int maxPerAddress,
                                  Duration requestTimeout) {
        WebServer.Guarded g = WebServer.guarded("sms", listener, SecurityHeaders.forNoPages(), maxConnections,
                maxPerAddress, requestTimeout);
        Handler.Sequence routes = new Handler.Sequence();
        routes.addHandler(new SmsHandler(webhook, g.deadline()));
        routes.addHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Response.writeError(request, response, callback, 404, "this port takes only POST " + SmsWebhook.PATH);
                return true;
            }
        });
        g.server().setHandler(routes);
        WebServer.startOrExplain(g.server(), listener);
        log.info("SMS webhook on {}{}", LogText.address(listener.bind(), g.connector().getLocalPort()), SmsWebhook.PATH);
        return new SmsServer(g.server(), g.connector(), g.stats());
    }

    public int port() { return connector.getLocalPort(); }

    /** The listener's counters (see {@link WebServer#stats()}). */
    public ListenerStats stats() { return stats; }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
