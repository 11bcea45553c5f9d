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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tinyphone demo}: first one example FastAGI call with every protocol line printed (the AGI layer at
 * work, in well under a second), then the server plus a simulated call every few seconds; prints the page's URL.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Try it without Asterisk: one AGI call line by line, then the live server and its page with a "
                + "simulated call every few seconds (Ctrl-C stops it)")
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (every < 1 || every > 3600) throw Main.usage(spec, "--every " + every + ": give 1 to 3600 seconds between calls");
        if (calls < 0) throw Main.usage(spec, "--calls " + calls + ": give how many calls (0 = until Ctrl-C)");
        // Ctrl-C ends the walk-through or the calls; the demo's server closes on the way out (its calls hung up, its
        // clients told goodbye), then the demo says it stopped
        return StopSignal.untilStopped("tinyphone demo", System.out, () -> {
            if (!skipProtocol && !Demo.run(System.out)) {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedException("stopped in the walk-through");
                System.err.println("tinyphone demo: the AGI walk-through call did not end as expected (see the lines above)");
                return Main.FAILED;
            }
            try {
                TinyphoneConfig cfg = TinyphoneConfig.load(config, System.getenv(), overrides);
                Logging.setLevel(cfg.get("log.level"));
                if (cfg.get("log.level").equalsIgnoreCase("INFO")) {
                    // the demo prints one summary line per call: the bridge's "call ... from ... via" line would say
                    // the same between them (log.level=DEBUG brings it back)
                    Logging.setLevel("org.tinyphone.server.bridge.Bridge", "WARN");
                }
                return DemoRunner.run(cfg, Duration.ofSeconds(every), calls, System.out);
            } catch (ConfigException | ServerStartException e) {
                System.err.println("tinyphone demo: " + e.getMessage());
                return Main.USAGE;
            }
        });
    }
}
