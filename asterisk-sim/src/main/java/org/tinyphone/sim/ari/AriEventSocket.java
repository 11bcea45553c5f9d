package org.tinyphone.sim.ari;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import static org.tinyphone.sim.ari.AriState.JSON;
import static org.tinyphone.sim.ari.AriState.now;

/** An inbound events WebSocket (a client connected to /ari/events). Public: Jetty looks its methods up by reflection. */
public final class AriEventSocket extends AriSink implements Session.Listener.AutoDemanding {
    private volatile Session session;
    private final java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
    private final List<String> wanted;

    private final AriState st;

    AriEventSocket(AriState st, AriRoutes routes, List<String> apps, String user) {
        super(st, routes, user, false);
        this.st = st;
        this.wanted = apps;
    }

    @Override
    public void onWebSocketOpen(Session s) {
        session = s;
        opened.countDown();
    }

    void register() {
        synchronized (st) {
            for (String app : wanted) {
                for (AriSink other : st.sinks) {
                    if (other.apps.remove(app)) {   // a second WebSocket for the same app takes it over (09c)
                        ObjectNode e = JSON.createObjectNode();
                        e.put("type", "ApplicationReplaced").put("timestamp", now()).put("application", app)
                                .put("asterisk_id", st.cfg.asteriskId);
                        other.enqueue(e.toString());
                    }
                }
                apps.add(app);
            }
            st.sinks.add(this);
        }
    }

    @Override
    public void onWebSocketText(String message) { received(message); }

    @Override
    public void onWebSocketClose(int statusCode, String reason) { ended(); }

    @Override
    public void onWebSocketError(Throwable cause) { ended(); }

    @Override
    void write(String text) throws Exception {
        if (!opened.await(5, TimeUnit.SECONDS)) throw new IllegalStateException("the WebSocket never opened");
        Callback.Completable done = new Callback.Completable();
        session.sendText(text, done);
        done.get(5, TimeUnit.SECONDS);
    }

    @Override
    void abort() {
        open = false;
        Session s = session;
        if (s != null) s.disconnect();
        ended();
    }

    @Override
    void close() {
        Session s = session;
        if (s != null) s.close(StatusCode.NORMAL, "", Callback.NOOP);
    }
}

