package org.tinyphone.server.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.config.ConfigException;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.server.ServerStartException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tinyphone server}: runs the bridge server until stopped (Ctrl-C / SIGTERM). */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run the Tinyphone bridge server.",
                "Settings: built-in defaults < config file < TINYPHONE_* environment variables < --set (docs/config.md)."})
public final class ServerCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file (Java properties)")
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
            System.err.println("tinyphone: " + e.getMessage());
            return 2;
        }
        if (printConfig) {
            System.out.println("# effective tinyphone settings (key=value  # source)");
            cfg.describe().forEach(System.out::println);
            return 0;
        }
        Logging.setLevel(cfg.get("log.level"));
        TinyphoneServer server;
        try {
            server = TinyphoneServer.start(cfg);
        } catch (ServerStartException | ConfigException e) {
            System.err.println("tinyphone: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "tinyphone-shutdown"));
        System.out.println(banner(server));
        stopped.await();
        return 0;
    }

    static String banner(TinyphoneServer server) {
        StringBuilder sb = new StringBuilder("tinyphone server running");
        for (TinyphoneServer.Registered r : server.listeners()) {
            if (r.port() < 0) continue;
            sb.append("\n  ").append(String.format("%-12s", r.name())).append(r.port());
        }
        int http = server.port("http");
        if (http > 0) {
            String host = server.config().http().bind();
            if (host.equals("0.0.0.0") || host.equals("::")) host = "localhost";
            sb.append("\n  page         http://").append(host).append(':').append(http).append('/');
            sb.append("\n  websocket    ws://").append(host).append(':').append(http).append("/ws");
        }
        sb.append("\nCtrl-C stops it.");
        return sb.toString();
    }
}
