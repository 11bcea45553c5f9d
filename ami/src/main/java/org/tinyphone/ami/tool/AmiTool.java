package org.tinyphone.ami.tool;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.tinyphone.ami.AmiAction;
import org.tinyphone.ami.AmiException;
import org.tinyphone.ami.AmiResponse;
import org.tinyphone.ami.ManagerConnection;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * {@code ./tinyphone ami [--host H] [--port P] [--user U] [--secret S] [--md5] 'Action: X' ['Key: V' ...] [--events]}:
 * sends one action and prints the response (and list events) as JSON lines, like {@code asterisk -rx} for AMI.
 * {@code --events} keeps printing events as {@code asterisk -r} keeps watching: when Asterisk goes away (a restart)
 * it says so on stderr, reconnects with the library's backoff, says when it is back and goes on, until stopped.
 * {@code --output} prints a Command's output as plain lines. Exit status: 0 success (and a watch that was
 * stopped), 1 Asterisk answered Error, 2 usage, 3 connection or login failure.
 */
public final class AmiTool {
    private AmiTool() { }

    public static void main(String[] args) {
        int rc = run(args, System.out, System.err);
        System.out.flush();
        System.exit(rc);
    }

    /** The name its messages start with, as the command line knows it. */
    static final String NAME = "tinyphone ami";

    static final String USAGE = """
            usage: tinyphone ami [--host 127.0.0.1] [--port 5038] [--user NAME] [--secret SECRET] [--md5]
                                 [--timeout SECONDS] ['Action: Name' ['Key: Value' ...]] [--events] [--output]
              Sends the action and prints the response and its list events as JSON lines (one object per message;
              a repeated key such as Output becomes an array). --events: keep printing events, across Asterisk
              restarts (lost and back are told on stderr), until Ctrl-C. --output: print a Command's Output lines
              as plain text. Defaults come from TINYPHONE_AMI_HOST, TINYPHONE_AMI_PORT, TINYPHONE_AMI_USER,
              TINYPHONE_AMI_SECRET. Exit status: 0 done, 1 Asterisk answered Error, 2 usage, 3 cannot connect
              or log in.
              example: tinyphone ami --user admin --secret s 'Action: Command' 'Command: core show channels' --output
            """;

    /** The usage text, as {@code --help} prints it. */
    public static String usage() {
        return USAGE;
    }

    /** Runs the tool; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String host = env("TINYPHONE_AMI_HOST", "127.0.0.1");
        String portText = env("TINYPHONE_AMI_PORT", "5038");
        String user = env("TINYPHONE_AMI_USER", "");
        String secret = env("TINYPHONE_AMI_SECRET", "");
        boolean md5 = false, events = false, plainOutput = false;
        String timeoutText = "10";
        List<String> lines = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--host" -> host = value(args, ++i, a);
                    case "--port" -> portText = value(args, ++i, a);
                    case "--user", "--username" -> user = value(args, ++i, a);
                    case "--secret" -> secret = value(args, ++i, a);
                    case "--timeout" -> timeoutText = value(args, ++i, a);
                    case "--md5" -> md5 = true;
                    case "--events" -> events = true;
                    case "--output" -> plainOutput = true;
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> {
                        if (a.startsWith("--")) throw new IllegalArgumentException("unknown option " + a);
                        lines.add(a);
                    }
                }
            }
            if (lines.isEmpty() && !events) throw new IllegalArgumentException("nothing to do: give an 'Action: Name' line or --events");
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": " + e.getMessage());
            err.println("./" + NAME + " --help tells its options.");
            return 2;
        }
        AmiAction action;
        int port;
        Duration timeout;
        try {
            action = lines.isEmpty() ? null : AmiAction.parseLines(lines);
            port = port(portText);
            timeout = seconds(timeoutText);
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": " + e.getMessage());
            err.println("./" + NAME + " --help tells its options.");
            return 2;
        }

        // a watcher reconnects (the keepalive finds a silent loss); a one-shot action does not
        ManagerConnection ami = ManagerConnection.builder().host(host).port(port).username(user).secret(secret).md5(md5)
                .events(events ? "on" : "off").reconnect(events).keepAlive(events ? Duration.ofSeconds(20) : Duration.ZERO)
                .actionTimeout(timeout).connectTimeout(timeout).build();
        CountDownLatch ended = new CountDownLatch(1);
        try {
            if (events) {
                ami.onEvents(e -> printJson(out, e));
                AtomicBoolean lost = new AtomicBoolean();
                ami.onState(s -> {
                    switch (s) {
                        case LOST -> {
                            lost.set(true);
                            say(err, NAME + ": lost the connection to Asterisk at " + ami.address()
                                    + "; reconnecting until it is back (Ctrl-C stops)");
                        }
                        case LOGGED_IN -> {
                            if (lost.getAndSet(false)) {
                                say(err, NAME + ": back: logged in to " + ami.address() + " again (" + ami.banner()
                                        + "); events go on");
                            }
                        }
                        case CLOSED -> ended.countDown();
                        default -> { }
                    }
                });
            }
            ami.connect();
            int rc = 0;
            if (action != null) {
                AmiResponse r = ami.call(action);
                if (plainOutput && !r.output().isEmpty()) {
                    r.output().forEach(out::println);
                } else {
                    printJson(out, r.message());
                    for (AmiMessage e : r.events()) printJson(out, e);
                }
                out.flush();
                rc = r.isSuccess() ? 0 : 1;
                if (action.name().equalsIgnoreCase("Logoff")) return rc;
            }
            if (events) {
                ended.await();
            }
            return rc;
        } catch (AmiException e) {
            err.println(NAME + ": " + e.getMessage());
            return 3;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            ami.close();
            out.flush();
        }
    }

    /**
     * A manager port as a command line or {@code TINYPHONE_AMI_PORT} gives it; an {@link IllegalArgumentException}
     * naming the text when it is not 1 to 65535 (the AMI examples read theirs with it too).
     */
    public static int port(String text) {
        try {
            int p = Integer.parseInt(text.trim());
            if (p >= 1 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--port '" + text + "': give a port, 1 to 65535");
    }

    private static Duration seconds(String text) {
        try {
            double v = Double.parseDouble(text.trim());
            if (v >= 0.1 && v <= 3600) return Duration.ofMillis((long) (v * 1000));
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--timeout '" + text + "': give seconds, 0.1 to 3600");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }

    private static void say(PrintStream err, String line) {
        synchronized (err) {
            err.println(line);
            err.flush();
        }
    }

    private static void printJson(PrintStream out, AmiMessage m) {
        String line = toJson(m);
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /** One JSON object per message, keys in order; a repeated key becomes an array; bare lines go to {@code "_lines"}. */
    public static String toJson(AmiMessage m) {
        StringBuilder sb = new StringBuilder(m.size() * 32).append('{');
        List<String> done = new ArrayList<>();
        boolean first = true;
        for (int i = 0; i < m.size(); i++) {
            String k = m.isBare(i) ? "_lines" : m.key(i);
            if (done.stream().anyMatch(d -> d.equalsIgnoreCase(k))) continue;
            done.add(k);
            List<String> values = m.isBare(i) ? m.bareLines() : m.getAll(k);
            if (!first) sb.append(',');
            first = false;
            quote(sb, k).append(':');
            if (values.size() == 1 && !m.isBare(i)) {
                quote(sb, values.get(0));
            } else {
                sb.append('[');
                for (int j = 0; j < values.size(); j++) {
                    if (j > 0) sb.append(',');
                    quote(sb, values.get(j));
                }
                sb.append(']');
            }
        }
        return sb.append('}').toString();
    }

    static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"');
    }
}
