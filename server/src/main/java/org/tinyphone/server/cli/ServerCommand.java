package org.tinyphone.server.cli;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.access.AccessPolicy;
import org.tinyphone.server.access.AdminToken;
import org.tinyphone.server.config.ConfigException;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.server.ServerStartException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tinyphone server}: runs the bridge server until stopped (Ctrl-C or SIGTERM: it says so and exits 0). */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run the Tinyphone bridge server (Ctrl-C stops it)",
                "Settings: built-in defaults < config file < TINYPHONE_* environment variables < --set (docs/config.md)."})
public final class ServerCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file: Java properties, or the original hub's config.json")
    Path config;

    @Option(names = "--print-config", description = "Print the effective settings and where each comes from, then exit")
    boolean printConfig;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override a setting, e.g. --set http.port=8080")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        TinyphoneConfig cfg;
        try {
            cfg = TinyphoneConfig.load(config, System.getenv(), overrides);
        } catch (ConfigException e) {
            System.err.println("tinyphone server: " + e.getMessage());
            return Main.USAGE;
        }
        if (printConfig) {
            System.out.println("# effective tinyphone settings (key=value  # source)");
            cfg.describe().forEach(System.out::println);
            return 0;
        }
        Logging.setLevel(cfg.get("log.level"));
        CountDownLatch stop = new CountDownLatch(1);
        try (StopSignal signal = StopSignal.install(stop::countDown)) {
            TinyphoneServer server;
            try {
                server = TinyphoneServer.start(cfg);
            } catch (ServerStartException | ConfigException e) {
                System.err.println("tinyphone server: " + e.getMessage());
                return Main.USAGE;
            }
            // another way out (SIGHUP, the JVM told to exit) still closes the listeners and hangs up the calls
            Thread hook = new Thread(server::close, "tinyphone-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            System.out.println(banner(server));
            System.out.flush();
            stop.await();
            server.close();
            Runtime.getRuntime().removeShutdownHook(hook);
            System.out.println("tinyphone server stopped (" + signal.how() + ")");
            return 0;
        }
    }

    static String banner(TinyphoneServer server) {
        StringBuilder sb = new StringBuilder("tinyphone server running");
        for (TinyphoneServer.Registered r : server.listeners()) {
            if (r.port() < 0) continue;
            sb.append("\n  ").append(String.format("%-12s", r.name())).append(r.port());
        }
        int http = server.port("http");
        String host = server.config().http().bind();
        boolean everywhere = host.equals("0.0.0.0") || host.equals("::");
        if (http > 0) {
            String shown = everywhere ? "localhost" : host.contains(":") ? "[" + host + "]" : host;
            sb.append("\n  page         http://").append(shown).append(':').append(http).append('/');
            sb.append("\n  websocket    ws://").append(shown).append(':').append(http).append("/ws");
        }
        AccessPolicy access = server.access();
        sb.append("\n  access       this machine: ").append(describe(access.local()))
                .append("; other hosts: ").append(TinyphoneServer.reachableFromOtherHosts(server.config())
                        ? describe(access.remote()) : "cannot connect (public=true opens up, see docs/security.md)");
        AdminToken admin = server.adminToken();
        if (admin != null) {
            sb.append("\n  admin token  ").append(admin.token()).append(admin.file() == null
                    ? "  (could not be saved: a new one at the next start)" : "  (kept in " + admin.file() + ")");
            if (http > 0) {
                String lan = everywhere ? lanAddress() : host;
                sb.append("\n  admin page   http://").append(lan.contains(":") ? "[" + lan + "]" : lan).append(':')
                        .append(http).append("/?token=").append(admin.token());
            }
        }
        sb.append("\nCtrl-C stops it.");
        return sb.toString();
    }

    private static String describe(AccessPolicy.Level level) {
        return switch (level) {
            case FULL -> "watch and command without a token";
            case WATCH -> "watch without a token, commands need one";
            case NONE -> "a token is needed";
        };
    }

    /** An address of this machine that other hosts can use (the first non-loopback IPv4), else localhost. */
    static String lanAddress() {
        try {
            for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) continue;
                for (InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) return a.getHostAddress();
                }
            }
        } catch (SocketException e) {
            // fall through
        }
        return "localhost";
    }
}
