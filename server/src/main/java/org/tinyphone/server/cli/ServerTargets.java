package org.tinyphone.server.cli;

import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.URI;
import java.util.List;
import org.tinyphone.server.config.ListenerConfig;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.sim.call.Via;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where {@code simulate} reaches the server: one of its listeners, at the address and port the server's own settings
 * give it (the same {@code --config} file, {@code TINYPHONE_*} variables and {@code --set}, else the defaults) or
 * {@code --host}/{@code --port}, each with why there; and, when a call there fails, what to tell the user (nothing
 * listens: start the server; the port is another listener's of the server: which).
 */
final class ServerTargets {
    /** Where a call goes, and why there: "the server's fastagi.port, env TINYPHONE_FASTAGI_PORT" or "--port". */
    record Target(String listener, String host, int port, String why) {
        String address() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        Target withWhy(String newWhy) {
            return new Target(listener, host, port, newWhy);
        }
    }

    private final TinyphoneConfig server;
    private final String host;
    private final CommandSpec spec;

    /** @param host {@code --host}, or null for where the server listens */
    ServerTargets(TinyphoneConfig server, String host, CommandSpec spec) {
        this.server = server;
        this.host = host;
        this.spec = spec;
    }

    /** The address and port of the server's listener {@code name}, or {@code --host}/{@code --port}, and why. */
    Target listener(String name, Integer explicitPort) {
        ListenerConfig l = server.listener(name);
        String h = host != null ? host : connectable(l.bind());
        if (explicitPort != null) return new Target(name, h, explicitPort, "--port");
        if (!l.enabled()) {
            throw Main.usage(spec, "the server's " + name + " listener is off (" + name + ".enabled=false, "
                    + server.source(name + ".enabled") + "): give --port if it listens elsewhere");
        }
        if (l.port() == 0) {
            throw Main.usage(spec, "the server's " + name + ".port is 0 (any free port, " + server.source(name + ".port")
                    + "): give --port (the server prints its ports when it starts; /health lists them)");
        }
        return new Target(name, h, l.port(), "the server's " + name + ".port, " + server.source(name + ".port"));
    }

    /** The FastAGI hand-off of an AudioSocket call ({@code --fastagi-port}), or null for a plain AudioSocket call (0). */
    Target handOff(Integer fastagiPort) {
        if (fastagiPort == null) return listener("fastagi", null);
        return fastagiPort == 0 ? null : listener("fastagi", fastagiPort).withWhy("--fastagi-port");
    }

    /** With {@code --via ari}: where the simulated Asterisk listens, the port of the server's ari.url, and why. */
    Target ari(Integer explicitPort) {
        if (explicitPort != null) return new Target("ari", "127.0.0.1", explicitPort, "--port");
        URI url = URI.create(server.get("ari.url"));
        int p = url.getPort() > 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return new Target("ari", "127.0.0.1", p, "the server's ari.url, " + server.source("ari.url"));
    }

    /** The server's listener a call over {@code v} goes to (ARI has none: the server connects to Asterisk). */
    static String listenerOf(Via v) {
        return switch (v) {
            case FASTAGI -> "fastagi";
            case RELAY, LEGACY -> "relay";
            case AUDIOSOCKET -> "audiosocket";
            case ARI -> throw new IllegalArgumentException("ARI calls are placed by placeOverAri");
        };
    }

    /**
     * Says why a call failed, naming the address and where it came from, and when the port is another listener's of
     * the server, which; returns the exit status.
     *
     * @param tried the listeners the call went to, in order (the FastAGI hand-off, then AudioSocket)
     */
    int failed(Throwable cause, String way, List<Target> tried) {
        String message = Main.message(cause);
        if (cause instanceof ConnectException) {
            List<String> where = tried.stream().map(t -> t.address() + " (" + t.why() + ")").toList();
            System.err.printf("tinyphone simulate: nothing is listening on %s for %s. Start the server first "
                    + "(./tinyphone server), or give the settings it was started with (--config, --set).%n",
                    String.join(" or ", where), way);
            return Main.NO_CONNECTION;
        }
        Target at = tried.reversed().stream().filter(t -> message.startsWith(t.address())).findFirst()
                .orElse(tried.getLast()); // the AudioSocket leg, when both legs share the address
        if (cause instanceof SocketException) {
            System.err.println("tinyphone simulate: " + at.address() + " closed the connection in the middle of the "
                    + "call (" + message + ")." + otherListener(at));
            return Main.FAILED;
        }
        if (cause instanceof ProtocolException) {
            System.err.println("tinyphone simulate: " + message + "." + otherListener(at));
            return Main.FAILED;
        }
        System.err.println("tinyphone simulate: the call failed: " + message);
        return Main.FAILED;
    }

    /** " 12001 is the server's relay port (relay.port); fastagi calls go to 4573 (fastagi.port)" and the like. */
    private String otherListener(Target at) {
        for (String name : TinyphoneConfig.LISTENERS) {
            ListenerConfig l = server.listener(name);
            if (l.enabled() && l.port() == at.port() && !name.equals(at.listener())) {
                ListenerConfig right = server.listener(at.listener());
                return " " + at.port() + " is the server's " + name + " port (" + name + ".port); " + at.listener()
                        + " is " + (right.enabled() ? "on " + right.port() : "off") + " (" + at.listener() + ".port).";
            }
        }
        return " Is " + at.port() + " the server's " + at.listener() + " port (" + at.listener() + ".port)?";
    }

    /** Where to reach a listener bound to {@code bind}: its address, or loopback for "every address". */
    private static String connectable(String bind) {
        return switch (bind) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "[::]", "0:0:0:0:0:0:0:0" -> "::1";
            default -> bind;
        };
    }
}
