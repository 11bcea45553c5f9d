package org.tinyphone.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.tinyphone.examples.ExamplesServer;
import org.tinyphone.examples.stream.StreamApps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code tinyphone examples [--bind --port] [--ari-url --ari-user --ari-password]}: the example AGI apps over FastAGI (and
 * ARI); {@code tinyphone examples streams [--bind --port --delay --dir]}: the media stream apps (echo, recorder).
 */
@Command(name = "examples", description = {"Run the example AGI apps on a FastAGI server, and over ARI with --ari-url (options: --help)",
        "'examples streams': the media stream apps echo and recorder, in Twilio's protocol (options: streams --help)"})
public final class ExamplesCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "Passed to the examples server (--bind, --port, --ari-url, --ari-user, --ari-password, --help; or streams --bind, --port, --delay, --dir)")
    List<String> args;

    @Override
    public Integer call() throws Exception {
        List<String> a = Main.orEmpty(args);
        if (!a.isEmpty() && a.get(0).equals("streams")) {
            return StreamApps.run(a.subList(1, a.size()).toArray(String[]::new), System.out, System.err);
        }
        return ExamplesServer.run(Main.orEmpty(args).toArray(String[]::new), System.out, System.err);
    }
}
