package org.tinyphone.examples;

import java.io.PrintStream;
import java.time.Duration;
import org.tinyphone.agi.fastagi.FastAgiServer;
import org.tinyphone.sim.agi.AgiPeer;
import org.tinyphone.sim.agi.SimulatedAgiCall;

/**
 * {@code ./tinyphone demo} without Asterisk: starts the example FastAGI server on a free port and places one
 * call to {@code /hello} from a simulated Asterisk 22 (the caller presses {@code #} during the monkeys),
 * printing every line exchanged.
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out) ? 0 : 1);
    }

    /** Runs the demo call, printing to {@code out}. @return true if the call went as expected */
    public static boolean run(PrintStream out) throws Exception {
        try (FastAgiServer server = ExamplesServer.start("127.0.0.1", 0)) {
            String url = "agi://127.0.0.1:" + server.port() + "/hello";
            out.println("Tinyphone demo: the example FastAGI server is listening on 127.0.0.1:" + server.port() + ".");
            out.println("A simulated Asterisk 22 now calls " + url + " (Carol, 15550001111; she presses # during the monkeys).");
            out.println();
            long t0 = System.nanoTime();
            SimulatedAgiCall.Result r = SimulatedAgiCall.to("127.0.0.1", server.port(), "hello")
                    .callerId("15550001111", "Carol").dnid("600").dialplan("tinyphone-examples", "600", "1")
                    .pressDuring("tt-monkeys", '#')
                    .readTimeout(Duration.ofSeconds(10))
                    .tap(line -> print(out, line))
                    .run();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            out.println();
            boolean ok = r.error() == null && r.commands().size() == 5 && "HANGUP".equals(r.agiStatus());
            out.printf("Call over in %d ms: %d commands, AGISTATUS=%s%s.%n", ms, r.commands().size(), r.agiStatus(),
                    r.error() == null ? "" : ", problem: " + r.error());
            out.println("(Asterisk writes HANGUP when the channel goes away, and again when the app closes the connection.)");
            out.println("The same app serves a real Asterisk: ./tinyphone examples, with docs/dialplan/extensions.conf.");
            out.flush();
            return ok;
        }
    }

    private static void print(PrintStream out, AgiPeer.WireLine line) {
        String text = line.text().isEmpty() ? "(empty line: end of environment)" : line.text();
        out.println(line.fromAsterisk() ? "  Asterisk -> app   " + text : "  app -> Asterisk   " + text);
    }
}
