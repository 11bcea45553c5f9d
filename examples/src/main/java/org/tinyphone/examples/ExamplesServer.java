package org.tinyphone.examples;

import java.io.IOException;
import java.io.PrintStream;
import org.tinyphone.agi.fastagi.FastAgiServer;
import org.tinyphone.examples.agi.CallerIdLookupApp;
import org.tinyphone.examples.agi.DateTimeApp;
import org.tinyphone.examples.agi.HelloApp;
import org.tinyphone.examples.agi.IvrApp;

/**
 * The example FastAGI server for a real Asterisk: {@code ./tinyphone examples [--bind 127.0.0.1] [--port 4573]}.
 * Dialplan to match: {@code docs/dialplan/extensions.conf}.
 */
public final class ExamplesServer {
    /** The example paths, in the order they are listed. */
    public static final String[] PATHS = {"/hello", "/datetime", "/callerid-lookup", "/ivr"};

    private ExamplesServer() {}

    /** Registers every example app on a builder. */
    public static FastAgiServer.Builder routes(FastAgiServer.Builder b) {
        return b.route("/hello", new HelloApp())
                .route("/datetime", new DateTimeApp())
                .route("/callerid-lookup", new CallerIdLookupApp())
                .route("/ivr", new IvrApp());
    }

    /** Starts the example server (port 0 = any free port). */
    public static FastAgiServer start(String bind, int port) throws IOException {
        return routes(FastAgiServer.builder().bind(bind).port(port)).start();
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    /** Parses the arguments, starts the server and blocks until the JVM is stopped. @return exit status */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        String bind = "127.0.0.1";
        int port = FastAgiServer.DEFAULT_PORT;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--bind", "--port" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) return usage(err, a + " needs a value");
                        value = args[++i];
                    }
                    if (a.equals("--bind")) {
                        bind = value;
                    } else {
                        try {
                            port = Integer.parseInt(value);
                        } catch (NumberFormatException e) {
                            return usage(err, "--port must be a number: " + value);
                        }
                        if (port < 0 || port > 65535) return usage(err, "--port out of range: " + value);
                    }
                }
                case "-h", "--help" -> {
                    usage(out, null);
                    return 0;
                }
                default -> { return usage(err, "unknown argument: " + args[i]); }
            }
        }
        FastAgiServer server;
        try {
            server = start(bind, port);
        } catch (IOException e) {
            err.println("tinyphone examples: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.close(java.time.Duration.ofSeconds(5))));
        out.println("Tinyphone example FastAGI server listening on " + bind + ":" + server.port());
        for (String p : PATHS) out.println("  agi://" + bind + ":" + server.port() + p);
        out.println("Dialplan: docs/dialplan/extensions.conf, e.g. exten => 600,1,AGI(agi://" + bind + ":" + server.port() + "/hello)");
        out.println("Ctrl-C stops it.");
        out.flush();
        server.join();
        return 0;
    }

    private static int usage(PrintStream s, String problem) {
        if (problem != null) s.println("tinyphone examples: " + problem);
        s.println("usage: tinyphone examples [--bind ADDRESS] [--port PORT]   (defaults 127.0.0.1 4573)");
        s.println("Serves the example AGI apps " + String.join(", ", PATHS) + " to a real Asterisk over FastAGI.");
        return problem == null ? 0 : 64;
    }
}
