package org.tinyphone.server.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tinyphone.examples.Demo;
import org.tinyphone.server.ServerStartException;
import org.tinyphone.server.config.ConfigException;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.server.sim.DemoRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tinyphone demo}: first one example FastAGI call with every protocol line printed (the AGI layer at
 * work, in well under a second), then the server plus a simulated call every few seconds; prints the page's URL.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Try it without Asterisk: start the server and place a simulated call every few seconds")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file (as for `server`)")
    Path config;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override a setting, e.g. --set http.port=8080")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "4", description = "Seconds between calls (default ${DEFAULT-VALUE})")
    int every;

    @Option(names = "--calls", paramLabel = "N", defaultValue = "0", description = "Stop after N calls (default: run until Ctrl-C)")
    int calls;

    @Option(names = "--skip-protocol", description = "Skip the opening AGI protocol walk-through")
    boolean skipProtocol;

    @Override
    public Integer call() throws Exception {
        if (!skipProtocol && !Demo.run(System.out)) {
            System.err.println("tinyphone: the AGI walk-through call did not end as expected (see the lines above)");
            return 1;
        }
        try {
            TinyphoneConfig cfg = TinyphoneConfig.load(config, System.getenv(), overrides);
            Logging.setLevel(cfg.get("log.level"));
            return DemoRunner.run(cfg, Duration.ofSeconds(Math.max(1, every)), calls, System.out);
        } catch (ConfigException | ServerStartException e) {
            System.err.println("tinyphone: " + e.getMessage());
            return 2;
        }
    }
}
