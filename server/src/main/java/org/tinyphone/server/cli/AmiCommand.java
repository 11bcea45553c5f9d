package org.tinyphone.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tinyphone ami ...}: the AMI tool (actions, events, originate). */
@Command(name = "ami", description = "Talk to Asterisk's manager interface (options: --help)")
public final class AmiCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "Passed to the AMI tool")
    List<String> args;

    @Override
    public Integer call() throws Exception {
        return Main.delegate("org.tinyphone.ami.tool.AmiTool", Main.orEmpty(args));
    }
}
