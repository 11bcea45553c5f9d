package org.tinyphone.server;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.tinyphone.server.config.ListenerConfig;
import org.tinyphone.server.config.TinyphoneConfig;

/** The server could not start; the message says what to change. */
public final class ServerStartException extends RuntimeException {
    public ServerStartException(String message, Throwable cause) { super(message, cause); }

    /**
     * A listener could not bind: says which address and port, which config keys set them, and how to turn
     * it off, e.g. "cannot listen on 127.0.0.1:12001 (config keys relay.bind/relay.port): port 12001 is in use ...".
     */
    public static ServerStartException cannotListen(ListenerConfig listener, IOException cause) {
        return new ServerStartException("cannot listen on " + problem(listener, why(listener, cause)), cause);
    }

    /**
     * Tries every enabled listener's address and port before any is bound, and reports every one that cannot be had
     * in one exception, each in the words of {@link #cannotListen(ListenerConfig, IOException)}: a second server
     * started on the ports of a first hears of all of them at once, not of one per attempt. Two listeners of the
     * config on one port count too. Port 0 (any free port) always can be had.
     */
    public static void checkPorts(TinyphoneConfig config) {
        List<ListenerConfig> enabled = new ArrayList<>();
        for (String name : TinyphoneConfig.LISTENERS) {
            ListenerConfig l = config.listener(name);
            if (l.enabled() && l.port() > 0) enabled.add(l);
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < enabled.size(); i++) {
            ListenerConfig l = enabled.get(i);
            ListenerConfig earlier = null;
            for (ListenerConfig e : enabled.subList(0, i)) {
                if (e.port() == l.port() && overlap(e.bind(), l.bind())) earlier = e;
            }
            if (earlier != null) {
                problems.add(problem(l, earlier.key() + ".port is " + l.port() + " too"));
                continue;
            }
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true); // as every listener does: a port left in TIME_WAIT is free
                probe.bind(new InetSocketAddress(InetAddress.getByName(l.bind()), l.port()), 1);
            } catch (IOException e) {
                problems.add(problem(l, why(l, e)));
            }
        }
        if (problems.size() == 1) throw new ServerStartException("cannot listen on " + problems.get(0), null);
        if (problems.size() > 1) {
            throw new ServerStartException("cannot listen on " + problems.size() + " ports:\n  "
                    + String.join("\n  ", problems), null);
        }
    }

    /** "127.0.0.1:12002 (config keys clients.bind/clients.port): WHY; choose another port with ... or turn it off ...". */
    private static String problem(ListenerConfig listener, String why) {
        String key = listener.key();
        return listener.address() + " (config keys " + key + ".bind/" + key + ".port): " + why
                + "; choose another port with " + key + ".port (env " + TinyphoneConfig.envVarOf(key + ".port")
                + ") or turn it off with " + key + ".enabled=false";
    }

    /** Why a bind failed, whether the listener's library wrapped the BindException or not. */
    private static String why(ListenerConfig listener, IOException cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                String m = t.getMessage() == null ? "" : t.getMessage();
                return m.toLowerCase(java.util.Locale.ROOT).contains("in use")
                        ? "port " + listener.port() + " is in use by another program" : m;
            }
            if (t instanceof UnknownHostException) return "no such address: " + listener.bind();
        }
        return String.valueOf(cause.getMessage());
    }

    /** Whether two bind addresses share a port: the same address, or either is every address. */
    private static boolean overlap(String a, String b) {
        return a.equals(b) || wildcard(a) || wildcard(b);
    }

    private static boolean wildcard(String bind) {
        return bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]") || bind.equals("0:0:0:0:0:0:0:0");
    }
}
