package org.tinyphone.sim.call;

import java.net.InetSocketAddress;
import java.net.ProtocolException;
import org.tinyphone.net.LogText;

/**
 * A simulated call that found another protocol (or a refusal) at the other end: the relay port dialed as FastAGI,
 * the web port as AudioSocket. Said at once, as a {@link ProtocolException} naming the address and what came back,
 * instead of a call that seems to have happened.
 */
final class WrongPeer {
    private WrongPeer() {}

    /** The peer closed before it said anything a {@code protocol} peer would. */
    static ProtocolException closed(InetSocketAddress peer, String protocol) {
        return new ProtocolException(LogText.address(peer) + " closed the connection without a word: it does not speak "
                + protocol + ", or it refused the call");
    }

    /** The peer sent {@code what}, which no {@code protocol} peer would. */
    static ProtocolException answered(InetSocketAddress peer, String what, String protocol) {
        return new ProtocolException(LogText.address(peer) + " answered '" + LogText.escape(what.strip(), 80)
                + "': it does not speak " + protocol);
    }
}
