package org.tinyphone.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.tinyphone.examples.ExamplesServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tinyphone examples [--bind --port] [--ari-url --ari-user --ari-password]}: the example AGI apps over FastAGI (and ARI). */
@Command(name = "examples", description = "Run the example AGI apps on a FastAGI server, and over ARI with --ari-url (options: --help)")
public final class ExamplesCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "Passed to the examples server (--bind, --port, --ari-url, --ari-user, --ari-password, --help)")
    List<String> args;

    @Override
    public Integer call() throws Exception {
        return ExamplesServer.run(Main.orEmpty(args).toArray(String[]::new), System.out, System.err);
    }
}
