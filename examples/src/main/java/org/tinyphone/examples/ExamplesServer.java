package org.tinyphone.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.fastagi.FastAgiServer;
import org.tinyphone.ari.AgiOverAri;
import org.tinyphone.ari.AriClient;
import org.tinyphone.examples.agi.CallerIdLookupApp;
import org.tinyphone.examples.agi.DateTimeApp;
import org.tinyphone.examples.agi.HelloApp;
import org.tinyphone.examples.agi.IvrApp;

/**
 * The example AGI apps for a real Asterisk: {@code ./tinyphone examples [--bind 127.0.0.1] [--port 4573]} serves them
 * over FastAGI; with {@code --ari-url http://127.0.0.1:8088 --ari-user U --ari-password P} the same apps, unchanged,
 * are also Stasis applications named like their paths ({@code Stasis(hello)}, {@code Stasis(ivr)}).
 * Dialplan to match: {@code docs/dialplan/extensions.conf}. The media stream apps ({@code ./tinyphone examples streams})
 * are {@link org.tinyphone.examples.stream.StreamApps}.
 */
public final class ExamplesServer implements AutoCloseable {
    /** The example paths, in the order they are listed. */
    public static final String[] PATHS = {"/hello", "/datetime", "/callerid-lookup", "/ivr"};

    private final FastAgiServer fastAgi;
    private final AriClient ari;

    private ExamplesServer(FastAgiServer fastAgi, AriClient ari) {
        this.fastAgi = fastAgi;
        this.ari = ari;
    }

    /** Every example app by its path. */
    public static Map<String, AgiApp> apps() {
        Map<String, AgiApp> apps = new LinkedHashMap<>();
        apps.put("/hello", new HelloApp());
        apps.put("/datetime", new DateTimeApp());
        apps.put("/callerid-lookup", new CallerIdLookupApp());
        apps.put("/ivr", new IvrApp());
        return apps;
    }

    /** Registers every example app on a builder. */
    public static FastAgiServer.Builder routes(FastAgiServer.Builder b) {
        apps().forEach(b::route);
        return b;
    }

    /** Registers every example app as the Stasis app named like its path without the slash ({@code hello}, ...). */
    public static AriClient.Builder stasisApps(AriClient.Builder b) {
        apps().forEach((path, app) -> b.app(path.substring(1), AgiOverAri.app(app)));
        return b;
    }

    /** Starts the example FastAGI server (port 0 = any free port). */
    public static FastAgiServer start(String bind, int port) throws IOException {
        return routes(FastAgiServer.builder().bind(bind).port(port)).start();
    }

    /**
     * Starts the FastAGI server and, if {@code ariUrl} is given, the ARI client serving the same apps (it connects in
     * the background and keeps reconnecting).
     */
    public static ExamplesServer start(String bind, int port, String ariUrl, String ariUser, String ariPassword) throws IOException {
        FastAgiServer f = start(bind, port);
        AriClient a = null;
        if (ariUrl != null) {
            AriClient.Builder b = stasisApps(AriClient.builder().url(ariUrl));
            if (ariUser != null) b.credentials(ariUser, ariPassword == null ? "" : ariPassword);
            a = b.build().start();
        }
        return new ExamplesServer(f, a);
    }

    public FastAgiServer fastAgi() { return fastAgi; }

    /** The ARI client, or null without {@code --ari-url}. */
    public AriClient ari() { return ari; }

    @Override
    public void close() {
        if (ari != null) ari.close();
        fastAgi.close(Duration.ofSeconds(5));
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    /** Parses the arguments, starts the server(s) and blocks until the JVM is stopped. @return exit status */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        String bind = "127.0.0.1";
        int port = FastAgiServer.DEFAULT_PORT;
        String ariUrl = null;
        String ariUser = null;
        String ariPassword = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--bind", "--port", "--ari-url", "--ari-user", "--ari-password" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) return usage(err, a + " needs a value");
                        value = args[++i];
                    }
                    switch (a) {
                        case "--bind" -> bind = value;
                        case "--ari-url" -> ariUrl = value;
                        case "--ari-user" -> ariUser = value;
                        case "--ari-password" -> ariPassword = value;
                        default -> {
                            try {
                                port = Integer.parseInt(value);
                            } catch (NumberFormatException e) {
                                return usage(err, "--port must be a number: " + value);
                            }
                            if (port < 0 || port > 65535) return usage(err, "--port out of range: " + value);
                        }
                    }
                }
                case "-h", "--help" -> {
                    usage(out, null);
                    return 0;
                }
                default -> { return usage(err, "unknown argument: " + args[i]); }
            }
        }
        if (ariUrl == null && (ariUser != null || ariPassword != null)) return usage(err, "--ari-user/--ari-password need --ari-url");
        ExamplesServer server;
        try {
            server = start(bind, port, ariUrl, ariUser, ariPassword);
        } catch (IOException e) {
            err.println("tinyphone examples: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("tinyphone examples: " + e.getMessage());
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        int p = server.fastAgi().port();
        out.println("Tinyphone example FastAGI server listening on " + bind + ":" + p);
        for (String path : PATHS) out.println("  agi://" + bind + ":" + p + path);
        out.println("Dialplan: docs/dialplan/extensions.conf, e.g. exten => 600,1,AGI(agi://" + bind + ":" + p + "/hello)");
        if (server.ari() != null) {
            out.println("The same apps over ARI at " + ariUrl + " (connecting; it keeps trying): "
                    + String.join(", ", java.util.Arrays.stream(PATHS).map(s -> "Stasis(" + s.substring(1) + ")").toList()));
        }
        out.println("Ctrl-C stops it.");
        out.flush();
        try {
            server.fastAgi().join();
        } finally {
            server.close(); // interrupted by a stop: the listener and the ARI connection close before it is said
        }
        return 0;
    }

    private static int usage(PrintStream s, String problem) {
        if (problem != null) {
            s.println("tinyphone examples: " + problem);
            s.println("./tinyphone examples --help tells its options.");
            return 2;
        }
        s.print(usage());
        return 0;
    }

    /** The usage of {@code tinyphone examples} (the FastAGI/ARI apps; the AMI examples have their own). */
    public static String usage() {
        return "usage: tinyphone examples [--bind ADDRESS] [--port PORT] [--ari-url URL --ari-user USER --ari-password PASSWORD]\n"
                + "  Serves the example AGI apps " + String.join(", ", PATHS) + " to a real Asterisk over FastAGI (defaults\n"
                + "  127.0.0.1 4573) and, with --ari-url (e.g. http://127.0.0.1:8088), also as the Stasis apps hello,\n"
                + "  datetime, callerid-lookup, ivr.\n";
    }
}
