package org.tinyphone.server.ingress;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.ari.AgiOverAri;
import org.tinyphone.ari.AriClient;
import org.tinyphone.ari.AriConnectionException;
import org.tinyphone.ari.AriConnectionState;
import org.tinyphone.ari.AriException;
import org.tinyphone.ari.AriHttpException;
import org.tinyphone.ari.AriStats;
import org.tinyphone.ari.OutboundAriServer;
import org.tinyphone.ari.StasisApp;
import org.tinyphone.ari.StasisCall;
import org.tinyphone.server.ListenerMeters;
import org.tinyphone.server.ServerStartException;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.config.ListenerConfig;
import org.tinyphone.server.config.TinyphoneConfig;

/**
 * Calls that come in over ARI: a channel entering {@code Stasis(tinyphone,arg1,arg2)} runs the {@link BridgeAgiApp},
 * written for AGI, over ARI ({@link AgiOverAri}): {@code new_caller} from the channel (caller id and name, dialed
 * number {@code CALLERID(dnid)} else the extension, also, with a WARN, when Asterisk fails that read; the Stasis args),
 * {@code keypress} from its DTMF events, talk-back commands (which passed the bridge's {@code TalkbackPolicy} like
 * every other way in) as REST requests, and exactly one {@code hangup}. With {@code ari.audio} the caller's audio comes too ({@link AriCallerAudio}).
 *
 * <p>Two ways to be connected, each optional: {@code ari.enabled}, the server connects to Asterisk's
 * {@code /ari/events} ({@code ari.url}, reconnecting for ever; registered as "ari"); {@code ari.outbound.enabled},
 * Asterisk's outbound WebSocket connects to the server's listener ({@code ari.outbound.*}, loopback by default,
 * {@code asterisk.allow}, a connection cap and the handshake deadline like every Asterisk-facing port; registered
 * as "ari.outbound"). When the server stops, calls still in Stasis go back to the dialplan, as when an AGI ends.
 */
final class AriIngress {
    private static final Logger log = LoggerFactory.getLogger(AriIngress.class);
    /** The {@code via} of calls that came in over ARI. */
    static final String VIA = "ari";
    /** How long the first connection may take before the server starts without it (and keeps trying). */
    private static final Duration FIRST_CONNECT = Duration.ofSeconds(5);
    /** How long calls in Stasis get to go back to the dialplan when the server stops. */
    private static final Duration LEAVE_GRACE = Duration.ofSeconds(2);

    private AriIngress() {}

    /** The bridge app as a Stasis app; {@code audio} null: no audio levels. */
    static StasisApp bridgeApp(Bridge bridge, AriCallerAudio audio) {
        BridgeAgiApp app = new BridgeAgiApp(bridge, VIA, null);   // no ?audiosocket hand-off: a Stasis call has no query
        return AgiOverAri.perCall(stasis -> channel -> app.run(channel, call -> { }, call -> {
            if (audio != null) audio.start(stasis, call);
        }));
    }

    /** Where Asterisk connects for the callers' audio, or null (ari.audio off, or no AudioSocket listener). */
    static AriCallerAudio audio(TinyphoneServer server, AudioSocketJoins joins) {
        TinyphoneConfig config = server.config();
        if (!config.bool("ari.audio")) return null;
        int port = server.port("audiosocket");
        if (joins == null || port <= 0) {
            log.warn("ari.audio is on but the AudioSocket listener is off (audiosocket.enabled=false): ARI calls get no audio levels");
            return null;
        }
        return new AriCallerAudio(joins, audioAddress(config.get("ari.audio-host"), config.audiosocket().bind(), port));
    }

    /**
     * The {@code host:port} Asterisk connects to for the audio: {@code ari.audio-host} as given (its port, or the
     * listener's), else the listener's bind address (loopback for a wildcard bind) and port.
     */
    static String audioAddress(String configured, String bind, int port) {
        String host = configured.isEmpty() ? reachable(bind) : configured;
        return hasPort(host) ? host : (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static boolean hasPort(String host) {
        return host.startsWith("[") ? host.contains("]:") : host.indexOf(':') > 0 && host.indexOf(':') == host.lastIndexOf(':');
    }

    /** The AudioSocket listener's address as Asterisk on this machine reaches it (a wildcard bind: loopback). */
    private static String reachable(String bind) {
        try {
            return InetAddress.getByName(bind).isAnyLocalAddress() ? "127.0.0.1" : bind;
        } catch (UnknownHostException e) {
            return bind;
        }
    }

    /** {@code ari.enabled}: connects to Asterisk's ARI; a refusal (bad credentials) stops the start, an absence does not. */
    static void startClient(TinyphoneServer server, StasisApp app, AriCallerAudio audio) {
        TinyphoneConfig config = server.config();
        String url = config.get("ari.url");
        AriClient.Builder b = AriClient.builder().url(url).app(config.get("ari.app"), app);
        if (!config.get("ari.user").isEmpty()) b.credentials(config.get("ari.user"), config.get("ari.password"));
        if (audio != null) b.onEvent(audio::onEvent);
        b.onState(s -> log.info("ARI {}: {}", url, s));
        AriClient client = b.build();
        try {
            client.connect(FIRST_CONNECT);
        } catch (AriHttpException e) {
            client.close();
            throw new ServerStartException("Asterisk's ARI at " + url + " refused the events WebSocket for user '"
                    + config.get("ari.user") + "': " + e.status() + " " + e.asteriskMessage() + " (config keys ari.user, "
                    + "ari.password; ari.conf needs that user); or turn ARI off with ari.enabled=false", e);
        } catch (AriConnectionException e) {
            log.warn("ARI: Asterisk is not reachable at {} yet ({}); the server keeps trying in the background", url, e.getMessage());
        }
        meters(server.metrics(), "inbound", client, AriClient::stats, c -> {
            AriConnectionState s = c.state();
            return s == AriConnectionState.CONNECTED || s == AriConnectionState.RECONNECTED ? 1 : 0;
        });
        URI u = URI.create(url);
        int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
        server.register("ari", port, () -> leaveThenClose(client::calls, audio, client));
    }

    /** {@code ari.outbound.enabled}: the listener for Asterisk's outbound WebSocket. */
    static void startOutbound(TinyphoneServer server, StasisApp app, AriCallerAudio audio) {
        TinyphoneConfig config = server.config();
        ListenerConfig l = config.listener("ari.outbound");
        OutboundAriServer.Builder b = OutboundAriServer.builder().bind(l.bind()).port(l.port())
                .paths(config.get("ari.outbound.path")).allowFrom(config.asteriskAllow()::allows)
                .maxConnections(config.maxConnections("ari.outbound")).handshakeTimeout(config.handshakeTimeout())
                .fallbackApp(app);   // every application Asterisk registers on this listener (ari.conf apps=) is the bridge
        if (!config.get("ari.outbound.user").isEmpty()) {
            b.credentials(config.get("ari.outbound.user"), config.get("ari.outbound.password"));
        }
        if (audio != null) b.onEvent(audio::onEvent);
        OutboundAriServer out = b.build();
        try {
            out.start();
        } catch (IOException e) {
            throw ServerStartException.cannotListen(l, e);
        }
        ListenerMeters.register(server.metrics(), "ari.outbound", out.listenerStats());
        meters(server.metrics(), "outbound", out, OutboundAriServer::stats, o -> o.connectedApps().isEmpty() ? 0 : 1);
        server.register("ari.outbound", out.port(), () -> leaveThenClose(out::calls, audio, out));
    }

    /**
     * Calls still in Stasis go back to the dialplan (as when an AGI ends), their audio channels and bridges are cleaned
     * up, then the connection closes.
     */
    private static void leaveThenClose(Supplier<List<StasisCall>> calls, AriCallerAudio audio, AutoCloseable connection)
            throws Exception {
        List<Thread> leaving = calls.get().stream().map(c -> Thread.ofVirtual().start(() -> {
            try {
                c.continueInDialplan();
            } catch (AriException e) {
                log.debug("ARI: {} back to the dialplan at stop: {}", c, e.getMessage());
            }
        })).toList();
        long deadline = System.nanoTime() + LEAVE_GRACE.toNanos();
        for (Thread t : leaving) t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        while (!calls.get().isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);   // their StasisEnd
        if (audio != null) audio.awaitCleanedUp(deadline);
        connection.close();
    }

    /**
     * {@code tinyphone_ari_*{connection="inbound"|"outbound"}}: see docs/config.md. The meters read {@code source},
     * which the server holds until it stops (Micrometer holds it weakly).
     */
    private static <T> void meters(MeterRegistry registry, String connection, T source, Function<T, AriStats> stats,
                                   ToDoubleFunction<T> connected) {
        counter(registry, "tinyphone.ari.events", connection, source, s -> stats.apply(s).events(), "Events received from Asterisk");
        counter(registry, "tinyphone.ari.bad.messages", connection, source, s -> stats.apply(s).malformed() + stats.apply(s).oversized(),
                "Messages from Asterisk that were not events (not JSON, no type, impossible shape, binary, over the size limit)");
        counter(registry, "tinyphone.ari.events.dropped", connection, source, s -> stats.apply(s).dropped(),
                "Events dropped because a call fell a whole queue behind");
        counter(registry, "tinyphone.ari.reconnects", connection, source, s -> stats.apply(s).reconnects(),
                "Times the ARI connection came back after it was lost");
        Map<String, ToDoubleFunction<T>> restFailures = Map.of("timeout", s -> stats.apply(s).restTimeouts(),
                "connection", s -> stats.apply(s).restNoAnswer(), "http-status", s -> stats.apply(s).restErrors(),
                "bad-answer", s -> stats.apply(s).restBadAnswers());
        restFailures.forEach((kind, value) -> FunctionCounter.builder("tinyphone.ari.rest.failures", source, value)
                .tag("connection", connection).tag("kind", kind)
                .description("REST requests to Asterisk that failed: no answer in time, no answer (connection), a status "
                        + "that is not 2xx, a 2xx answer that is not the result asked for").register(registry));
        Gauge.builder("tinyphone.ari.calls.in.stasis", source, s -> stats.apply(s).callsInStasis()).tag("connection", connection)
                .description("Calls in Stasis served now").register(registry);
        Gauge.builder("tinyphone.ari.connected", source, connected).tag("connection", connection)
                .description("1 while Asterisk's ARI is connected").register(registry);
    }

    private static <T> void counter(MeterRegistry registry, String name, String connection, T source, ToDoubleFunction<T> value,
                                    String description) {
        FunctionCounter.builder(name, source, value).tag("connection", connection).description(description).register(registry);
    }
}
