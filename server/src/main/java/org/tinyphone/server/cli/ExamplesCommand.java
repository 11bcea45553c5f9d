package org.tinyphone.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.tinyphone.examples.ExamplesServer;
import org.tinyphone.examples.ami.AmiExamples;
import org.tinyphone.examples.stream.StreamApps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code tinyphone examples [--bind --port] [--ari-url --ari-user --ari-password]}: the example AGI apps over FastAGI
 * (and ARI); {@code tinyphone examples streams [--bind --port --delay --dir]}: the media stream apps (echo, recorder);
 * {@code tinyphone examples ami NAME ...}: an AMI example, with Tinyphone's log lines left out but for warnings, so its
 * own output reads clean.
 */
@Command(name = "examples", description = "Run the example AGI apps on a FastAGI server (and over ARI), the media stream "
        + "apps (examples streams) or an AMI example (examples ami NAME)")
public final class ExamplesCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "Passed to the examples server (--bind, --port, --ari-url, "
            + "--ari-user, --ari-password, --help; or streams --bind, --port, --delay, --dir; or ami NAME ...)")
    List<String> args;

    /** Every usage of the command, which {@code help examples} shows too. */
    static String usage() {
        return ExamplesServer.usage() + StreamApps.usage() + AmiExamples.usage();
    }

    @Override
    public Integer call() throws Exception {
        List<String> a = Main.orEmpty(args);
        if (!a.isEmpty() && (a.get(0).equals("--help") || a.get(0).equals("-h"))) {
            System.out.print(usage());
            return 0;
        }
        List<String> rest = a.isEmpty() ? List.of() : a.subList(1, a.size());
        // the examples serve (or watch) until Ctrl-C: a requested stop, said, exit 0
        if (!a.isEmpty() && a.get(0).equals("ami")) {
            Logging.setLevel("WARN");
            return StopSignal.untilStopped("tinyphone examples ami", System.out,
                    () -> AmiExamples.run(rest.toArray(String[]::new), System.out, System.err));
        }
        if (!a.isEmpty() && a.get(0).equals("streams")) {
            return StopSignal.untilStopped("tinyphone examples streams", System.out,
                    () -> StreamApps.run(rest.toArray(String[]::new), System.out, System.err));
        }
        return StopSignal.untilStopped("tinyphone examples", System.out,
                () -> ExamplesServer.run(a.toArray(String[]::new), System.out, System.err));
    }
}
