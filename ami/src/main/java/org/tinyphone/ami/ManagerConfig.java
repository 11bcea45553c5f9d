package org.tinyphone.ami;

import java.time.Duration;

/**
 * A {@link ManagerConnection}'s settings, copied out of its {@link ManagerConnection.Builder} by {@code build()}.
 * Immutable: changing the builder afterwards (to build another connection) moves nothing of one already built, so a
 * reconnect goes to the address its log lines name.
 */
record ManagerConfig(String host, int port, String username, String secret, boolean md5, String events,
                     Duration actionTimeout, Duration connectTimeout, Duration keepAlive, boolean reconnect,
                     boolean retryFirstConnect, Duration reconnectInitial, Duration reconnectMax,
                     int listenerQueue, Duration listenerPatience, int maxLine, int maxMessage) {

    /** {@code host:port}, as logs and errors name the connection. */
    String address() { return host + ":" + port; }

    @Override
    public String toString() { return "AMI " + address() + " as '" + username + "'"; }   // never the secret
}
