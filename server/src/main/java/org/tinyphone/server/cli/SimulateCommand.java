package org.tinyphone.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.tinyphone.server.sim.CallResult;
import org.tinyphone.server.sim.SimulatedCall;
import org.tinyphone.server.sim.Simulator;
import org.tinyphone.server.sim.Via;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tinyphone simulate}: places one call into a running server over the real protocol, as Asterisk would.
 * (Owned by the ingress side, which adds the audio options.)
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Place a simulated call into a running server, exactly as Asterisk would")
public final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--to", required = true, description = "The dialed number") String to;
    @Option(names = "--from", defaultValue = "15550001111", description = "Caller id number (default ${DEFAULT-VALUE})") String from;
    @Option(names = "--name", defaultValue = "", description = "Caller id name") String name;
    @Option(names = "--keys", defaultValue = "", description = "Keys to press, 0-9 * #") String keys;
    @Option(names = "--arg", description = "AGI argument (repeatable)") List<String> args;
    @Option(names = "--via", defaultValue = "fastagi", description = "fastagi, relay, legacy or audiosocket (default ${DEFAULT-VALUE})") String via;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Server host (default ${DEFAULT-VALUE})") String host;
    @Option(names = "--port", description = "Server port (default: the usual port of --via)") Integer port;

    @Override
    public Integer call() throws Exception {
        Via v = Via.parse(via);
        SimulatedCall call = SimulatedCall.of(to, from, name, keys).withArgs(args == null ? List.of() : args);
        CallResult result = Simulator.place(call, v, host, port == null ? v.defaultPort() : port);
        System.out.println(result);
        return 0;
    }
}
