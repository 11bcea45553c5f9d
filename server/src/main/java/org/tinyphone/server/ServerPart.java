package org.tinyphone.server;

/**
 * A part of the server started from its config: the ingress listeners (FastAGI, relay, AudioSocket,
 * AsyncAGI) plug in this way. Found with {@link java.util.ServiceLoader} (a line in
 * META-INF/services/org.tinyphone.server.ServerPart) or passed to {@link TinyphoneServer#start(
 * org.tinyphone.server.config.TinyphoneConfig, java.util.List)}.
 */
public interface ServerPart {
    /**
     * Starts this part's listeners (those enabled in {@code server.config()}), feeding calls to
     * {@code server.bridge()} and registering each with {@link TinyphoneServer#register} so it is closed with
     * the server and its bound port is known. A port that cannot be bound should be reported with
     * {@link ServerStartException#cannotListen}.
     */
    void start(TinyphoneServer server) throws Exception;
}
