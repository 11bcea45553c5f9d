package org.tinyphone.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.tinyphone.ami.tool.AmiTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tinyphone ami ...}: one AMI action and its response as JSON lines, or a stream of events. */
@Command(name = "ami", description = "Talk to Asterisk's manager interface (options: --help)")
public final class AmiCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "Passed to the AMI tool (--host, --user, --secret, 'Action: Name', --events, --help)")
    List<String> args;

    @Override
    public Integer call() {
        int rc = AmiTool.run(Main.orEmpty(args).toArray(String[]::new), System.out, System.err);
        System.out.flush();
        return rc;
    }
}
