package org.tinyphone.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tinyphone demo}: see it work without Asterisk. */
@Command(name = "demo", description = "Try it without Asterisk (options: --help)")
public final class DemoCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "Passed to the demo")
    List<String> args;

    @Override
    public Integer call() throws Exception {
        return Main.delegate("org.tinyphone.examples.Demo", Main.orEmpty(args));
    }
}
