package org.tinyphone.examples.ami;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The AMI examples by name, for {@code ./tinyphone examples ami NAME [--host H --port P --user U --secret S] [ARGS]}
 * (the command line runs them with Tinyphone's own log lines left out, so only their output shows).
 */
public final class AmiExamples {
    /** Each example's name on the command line and what it does. */
    public static final Map<String, String> EXAMPLES = examples();

    private AmiExamples() { }

    private static Map<String, String> examples() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("amiwatch", "every event as one line, and the connection's states; goes on across restarts [EVENT ...]");
        m.put("chanwatch", "calls coming and going: caller id, hangup cause, duration, digits");
        m.put("dtmf", "collects what each caller types up to #; 0# redirects the call to operator@<context>");
        m.put("ivr", "the FastAGI ivr and hello apps, unchanged, over AsyncAGI: AGI(agi:async,ivr,4321)");
        m.put("orighello", "calls CHANNEL (e.g. PJSIP/100) and says hello when it answers: orighello CHANNEL");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The usage lines of {@code tinyphone examples ami}. */
    public static String usage() {
        StringBuilder sb = new StringBuilder("usage: tinyphone examples ami NAME [--host 127.0.0.1] [--port 5038] [--user NAME]"
                + " [--secret SECRET] [--md5] [ARGS]\n  The AMI examples (defaults from TINYPHONE_AMI_HOST, _PORT, _USER, _SECRET):\n");
        EXAMPLES.forEach((name, what) -> sb.append(String.format("    %-10s %s%n", name, what)));
        return sb.toString();
    }

    /** Runs the example named by {@code args[0]} with the rest; returns the exit status (2: no such example). */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            (args.length == 0 ? err : out).print(usage());
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "amiwatch" -> AmiWatch.main(rest);
                case "chanwatch" -> ChanWatch.main(rest);
                case "dtmf" -> DtmfWatch.main(rest);
                case "ivr" -> AsyncIvr.main(rest);
                case "orighello" -> OrigHello.main(rest);
                default -> {
                    err.println("tinyphone examples ami: no example '" + args[0] + "': " + String.join(", ", EXAMPLES.keySet()));
                    return 2;
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("tinyphone examples ami " + args[0] + ": " + e.getMessage());
            return 2;
        }
        return 0;
    }
}
