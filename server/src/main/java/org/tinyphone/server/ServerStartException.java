package org.tinyphone.server;

import java.io.IOException;
import java.net.BindException;
import org.tinyphone.server.config.ListenerConfig;
import org.tinyphone.server.config.TinyphoneConfig;

/** The server could not start; the message says what to change. */
public final class ServerStartException extends RuntimeException {
    public ServerStartException(String message, Throwable cause) { super(message, cause); }

    /**
     * A listener could not bind: says which address and port, which config keys set them, and how to turn
     * it off, e.g. "cannot listen on 127.0.0.1:12001 (relay.bind/relay.port): port 12001 is in use ...".
     */
    public static ServerStartException cannotListen(ListenerConfig listener, IOException cause) {
        String why = cause instanceof BindException
                ? (cause.getMessage() != null && cause.getMessage().toLowerCase().contains("in use")
                        ? "port " + listener.port() + " is in use by another program"
                        : cause.getMessage())
                : String.valueOf(cause.getMessage());
        String key = listener.key();
        return new ServerStartException("cannot listen on " + listener.address() + " (config keys " + key + ".bind/"
                + key + ".port): " + why + "; choose another port with " + key + ".port (env "
                + TinyphoneConfig.envVarOf(key + ".port") + ") or turn it off with " + key + ".enabled=false", cause);
    }
}
