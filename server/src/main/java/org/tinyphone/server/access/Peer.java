package org.tinyphone.server.access;

import java.net.InetAddress;

/**
 * Where a client connects from, as the access rules see it.
 *
 * @param address its IP address (null if unknown)
 * @param local   whether it is on this machine (see {@link AccessPolicy})
 */
public record Peer(InetAddress address, boolean local) {
    /** A client of a TCP connection: local when its address is a loopback address. */
    public static Peer of(InetAddress address) {
        return new Peer(address, address != null && address.isLoopbackAddress());
    }
}
