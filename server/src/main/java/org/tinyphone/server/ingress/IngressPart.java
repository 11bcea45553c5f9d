package org.tinyphone.server.ingress;

import java.io.IOException;
import org.tinyphone.agi.fastagi.FastAgiServer;
import org.tinyphone.ami.AsyncAgiServer;
import org.tinyphone.ami.ManagerConnection;
import org.tinyphone.server.ListenerMeters;
import org.tinyphone.server.ServerPart;
import org.tinyphone.server.ServerStartException;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.config.AddressAllowList;
import org.tinyphone.server.config.ListenerConfig;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.server.stream.MediaStreams;

/**
 * How calls come in: starts the enabled Asterisk-side listeners of the config and registers them with the server.
 * <ul>
 *   <li>"fastagi": {@code AGI(agi://127.0.0.1:4573/tinyphone,args)} runs the {@link BridgeAgiApp};</li>
 *   <li>"relay" (12001): the {@code bin/tinyphone-agi} tunnel and the original script's legacy lines;</li>
 *   <li>"audiosocket" (9092): caller audio and DTMF joined to their call by UUID;</li>
 *   <li>"ami" (when {@code ami.enabled}): calls in {@code AGI(agi:async)} run the {@link BridgeAgiApp} over AMI
 *       ({@code ami.asyncagi});</li>
 *   <li>"ari" (when {@code ari.enabled}) and "ari.outbound" (when {@code ari.outbound.enabled}): calls in
 *       {@code Stasis(tinyphone,args)} run the {@link BridgeAgiApp} over ARI ({@link AriIngress}), with the caller's
 *       audio through the AudioSocket listener (so that one starts first).</li>
 * </ul>
 * Found by {@link java.util.ServiceLoader} through META-INF/services/org.tinyphone.server.ServerPart.
 */
public final class IngressPart implements ServerPart {
    /** The FastAGI script path of the bridge app: {@code agi://host:4573/tinyphone}. */
    public static final String FASTAGI_ROUTE = "/tinyphone";

    @Override
    public void start(TinyphoneServer server) {
        TinyphoneConfig config = server.config();
        AddressAllowList allow = config.asteriskAllow();
        ListenerConfig audiosocket = config.audiosocket();
        AudioSocketJoins joins = audiosocket.enabled() ? new AudioSocketJoins() : null;
        MediaStreams streams = server.streams();

        ListenerConfig fastagi = config.fastagi();
        if (fastagi.enabled()) {
            FastAgiServer agi;
            try {
                agi = FastAgiServer.builder().bind(fastagi.bind()).port(fastagi.port()).allowFrom(allow::allows)
                        .maxConnections(config.maxConnections("fastagi")).environmentTimeout(config.handshakeTimeout())
                        .route(FASTAGI_ROUTE, new BridgeAgiApp(server.bridge(), "fastagi", joins)).start();
            } catch (IOException e) {
                throw ServerStartException.cannotListen(fastagi, e);
            }
            ListenerMeters.register(server.metrics(), "fastagi", agi.stats());
            server.register("fastagi", agi.port(), agi);
        }

        ListenerConfig relay = config.relay();
        if (relay.enabled()) {
            RelayIngress r;
            try {
                r = RelayIngress.start(server.bridge(), joins, relay.bind(), relay.port(), allow,
                        config.maxConnections("relay"), config.handshakeTimeout(), streams);
            } catch (IOException e) {
                throw ServerStartException.cannotListen(relay, e);
            }
            ListenerMeters.register(server.metrics(), "relay", r.stats());
            server.register("relay", r.port(), r);
        }

        if (config.amiEnabled() && config.bool("ami.asyncagi")) {
            ManagerConnection ami = ManagerConnection.builder().host(config.get("ami.host"))
                    .port(config.integer("ami.port")).username(config.get("ami.user")).secret(config.get("ami.secret"))
                    .reconnect(true).retryFirstConnect(true).build();
            try {
                ami.connect();
            } catch (RuntimeException e) {
                ami.close();
                throw new ServerStartException("cannot log in to Asterisk's manager at " + config.get("ami.host") + ":"
                        + config.get("ami.port") + " as '" + config.get("ami.user") + "' (config keys ami.*): "
                        + e.getMessage() + "; or turn AsyncAGI off with ami.enabled=false", e);
            }
            AsyncAgiServer async = AsyncAgiServer.start(ami, new BridgeAgiApp(server.bridge(), "asyncagi", joins));
            server.register("ami", config.integer("ami.port"), () -> {
                async.close();
                ami.close();
            });
        }

        if (audiosocket.enabled()) {
            AudioSocketIngress a;
            try {
                a = AudioSocketIngress.start(server.bridge(), joins, audiosocket.bind(), audiosocket.port(), allow,
                        config.maxConnections("audiosocket"), config.handshakeTimeout(), streams);
            } catch (IOException e) {
                throw ServerStartException.cannotListen(audiosocket, e);
            }
            ListenerMeters.register(server.metrics(), "audiosocket", a.stats());
            server.register("audiosocket", a.port(), a);
        }

        boolean ariOut = config.listener("ari.outbound").enabled();
        if (config.bool("ari.enabled") || ariOut) {
            AriCallerAudio audio = AriIngress.audio(server, joins);
            org.tinyphone.ari.StasisApp app = AriIngress.bridgeApp(server.bridge(), audio);
            if (config.bool("ari.enabled")) AriIngress.startClient(server, app, audio);
            if (ariOut) AriIngress.startOutbound(server, app, audio);
        }
    }
}
