package org.tinyphone.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.tinyphone.ami.tool.AmiTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code tinyphone ami ...}: one AMI action and its response as JSON lines, or a stream of events that goes on across
 * Asterisk restarts until Ctrl-C (exit 0). The tool says itself what happens to the connection, so the library's
 * log lines are left out (errors only).
 */
@Command(name = "ami", description = "Talk to Asterisk's manager interface: send actions, watch events as JSON lines")
public final class AmiCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "Passed to the AMI tool (--host, --user, --secret, 'Action: Name', --events, --help)")
    List<String> args;

    /** The tool's usage, which {@code help ami} shows too. */
    static String usage() {
        return AmiTool.usage();
    }

    @Override
    public Integer call() throws Exception {
        Logging.setLevel("org.tinyphone.ami", "ERROR");
        String[] a = Main.orEmpty(args).toArray(String[]::new);
        if (!Main.orEmpty(args).contains("--events")) return AmiTool.run(a, System.out, System.err);
        // a watcher ends with Ctrl-C: a requested stop, said on stderr (stdout is JSON lines only), exit 0
        return StopSignal.untilStopped("tinyphone ami", System.err, () -> {
            int rc = AmiTool.run(a, System.out, System.err);
            System.out.flush();
            return rc;
        });
    }
}
