package org.tinyphone.examples.stream;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.tinyphone.net.jetty.JettyStart;

/**
 * Two media stream apps speaking Twilio's protocol (twilio.com/docs/voice/media-streams), as WebSocket servers on
 * Jetty that Tinyphone connects to for each call ({@code stream.<number>=ws://127.0.0.1:8765/echo}); they would work
 * behind Twilio's {@code <Connect><Stream>} unchanged:
 * <ul>
 *   <li>{@code /echo}: the caller's audio back, {@code delay} late ({@link EchoCall});</li>
 *   <li>{@code /recorder}: each call to {@code <dir>/<callSid>.wav} ({@link RecorderCall}).</li>
 * </ul>
 * {@code ./tinyphone examples streams [--bind 127.0.0.1] [--port 8765] [--delay 1000] [--dir recordings]}.
 */
public final class StreamApps implements AutoCloseable {
    /** The port Tinyphone's docs point {@code stream.*} at. */
    public static final int DEFAULT_PORT = 8765;
    /** The echo's delay unless told. */
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(1);
    /** The longest echo delay: Tinyphone queues up to a minute of an app's audio ({@code stream.play-buffer}). */
    public static final Duration MAX_DELAY = Duration.ofSeconds(30);
    /** Twilio's messages to an app are small (a media message is about 400 characters): anything over this is refused. */
    static final int MAX_MESSAGE_CHARS = 64 * 1024;

    private final Server server;
    private final String bind;
    private final int port;

    private StreamApps(Server server, String bind, int port) {
        this.server = server;
        this.bind = bind;
        this.port = port;
    }

    /**
     * Starts both apps on {@code bind:port} (0: any free port); {@code out} gets their lines, recordings go to
     * {@code recordDir} (created if missing).
     */
    public static StreamApps start(String bind, int port, Duration delay, Path recordDir, PrintStream out) throws IOException {
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("the echo delay must be 0 to " + MAX_DELAY.toMillis() + " ms: " + delay.toMillis());
        }
        Files.createDirectories(recordDir);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(bind);
        connector.setPort(port);
        server.addConnector(connector);
        ContextHandler context = new ContextHandler("/");
        context.setHandler(WebSocketUpgradeHandler.from(server, context, container -> {
            container.setMaxTextMessageSize(MAX_MESSAGE_CHARS);
            container.setMaxBinaryMessageSize(MAX_MESSAGE_CHARS);
            container.setIdleTimeout(Duration.ofMinutes(5));
            container.addMapping("/echo", (req, resp, cb) -> new EchoCall(delay, out));
            container.addMapping("/recorder", (req, resp, cb) -> new RecorderCall(recordDir, out));
        }));
        server.setHandler(context);
        JettyStart.startOrStop(server);
        return new StreamApps(server, bind, connector.getLocalPort());
    }

    public int port() {
        return port;
    }

    /** {@code ws://bind:port/echo}. */
    public URI echo() {
        return uri("/echo");
    }

    /** {@code ws://bind:port/recorder}. */
    public URI recorder() {
        return uri("/recorder");
    }

    private URI uri(String path) {
        return URI.create("ws://" + (bind.contains(":") ? "[" + bind + "]" : bind) + ":" + port + path);
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the stream apps' server", e);
        }
    }

    /**
     * {@code ./tinyphone examples streams ...}: parses the arguments, starts the apps, prints where they listen and
     * blocks until the JVM is stopped. @return exit status (2: a wrong command line)
     */
    public static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        String bind = "127.0.0.1";
        int port = DEFAULT_PORT;
        Duration delay = DEFAULT_DELAY;
        Path dir = Path.of("recordings");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(out, null);
                return 0;
            }
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (!a.equals("--bind") && !a.equals("--port") && !a.equals("--delay") && !a.equals("--dir")) {
                return usage(err, "unknown argument: " + args[i]);
            }
            if (value == null) {
                if (i + 1 >= args.length) return usage(err, a + " needs a value");
                value = args[++i];
            }
            switch (a) {
                case "--bind" -> bind = value;
                case "--dir" -> dir = Path.of(value);
                case "--port" -> {
                    Integer p = number(value);
                    if (p == null || p < 0 || p > 65535) return usage(err, "--port must be a port number (0-65535): " + value);
                    port = p;
                }
                default -> {
                    Integer ms = number(value);
                    if (ms == null || ms < 0 || ms > MAX_DELAY.toMillis()) {
                        return usage(err, "--delay must be milliseconds from 0 to " + MAX_DELAY.toMillis() + ": " + value);
                    }
                    delay = Duration.ofMillis(ms);
                }
            }
        }
        StreamApps apps;
        try {
            apps = start(bind, port, delay, dir, out);
        } catch (IOException e) {
            err.println("tinyphone examples streams: cannot listen on " + bind + ":" + port + " or write to " + dir + ": " + e.getMessage());
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(apps::close));
        out.println("Tinyphone example stream apps (Twilio Media Streams) listening on");
        out.println("  " + apps.echo() + "      the caller's audio back " + delay.toMillis() + " ms later");
        out.println("  " + apps.recorder() + "  each call to " + dir.toAbsolutePath().normalize() + "/<callSid>.wav");
        out.println("Point a number at one: ./tinyphone server --set stream.13605162099=" + apps.echo());
        out.println("then call it: ./tinyphone simulate --to 13605162099 --via audiosocket --audio FILE.wav --record-back back.wav");
        out.println("Ctrl-C stops it.");
        out.flush();
        try {
            apps.join();
        } finally {
            apps.close(); // interrupted by a stop: the listener closes before it is said
        }
        return 0;
    }

    private static Integer number(String s) {
        try {
            return Integer.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int usage(PrintStream s, String problem) {
        if (problem != null) {
            s.println("tinyphone examples streams: " + problem);
            s.println("./tinyphone examples streams --help tells its options.");
            return 2;
        }
        s.print(usage());
        return 0;
    }

    /** The usage of {@code tinyphone examples streams}, which {@code tinyphone examples --help} shows too. */
    public static String usage() {
        return "usage: tinyphone examples streams [--bind ADDRESS] [--port PORT] [--delay MS] [--dir DIRECTORY]\n"
                + "  Serves two apps speaking Twilio's Media Streams protocol over WebSocket (defaults 127.0.0.1 " + DEFAULT_PORT + "):\n"
                + "    /echo      plays the caller's audio back --delay milliseconds later (default " + DEFAULT_DELAY.toMillis() + ")\n"
                + "    /recorder  writes each call to DIRECTORY/<callSid>.wav, 16-bit PCM 8 kHz mono (default ./recordings)\n"
                + "  Point the server's stream.<number> (or stream.*) at ws://ADDRESS:PORT/echo or /recorder; docs/streams.md.\n";
    }
}
