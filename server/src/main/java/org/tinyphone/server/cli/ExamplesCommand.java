package org.tinyphone.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.tinyphone.examples.ExamplesServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tinyphone examples [--bind --port]}: the example AGI apps on a FastAGI server. */
@Command(name = "examples", description = "Run the example AGI apps on a FastAGI server (options: --help)")
public final class ExamplesCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "Passed to the examples server (--bind, --port, --help)")
    List<String> args;

    @Override
    public Integer call() throws Exception {
        return ExamplesServer.run(Main.orEmpty(args).toArray(String[]::new), System.out, System.err);
    }
}
