package org.tinyphone.server.config;

/**
 * One listening socket: whether it is on, its bind address and port (0 = any free port).
 *
 * @param key the config key prefix, e.g. "relay" (its keys are relay.enabled, relay.bind, relay.port)
 */
public record ListenerConfig(String key, boolean enabled, String bind, int port) {
    /** e.g. "127.0.0.1:12001". */
    public String address() {
        return (bind.contains(":") ? "[" + bind + "]" : bind) + ":" + port;
    }
}
