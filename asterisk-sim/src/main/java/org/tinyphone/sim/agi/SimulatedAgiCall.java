package org.tinyphone.sim.agi;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One call from a simulated Asterisk 22 into a FastAGI server: it connects, sends the environment, and answers
 * every command plausibly, the way the captures show Asterisk doing it (reply formats, 511 after hangup for
 * commands that need a live channel, the {@code HANGUP} notice, {@code 100 Trying} before GOSUB, 510/520).
 * The caller's behaviour is scripted: keys to press (consumed in order by the commands that read keys),
 * a key to press during a given prompt, and when to hang up.
 *
 * <pre>{@code
 * SimulatedAgiCall.Result r = SimulatedAgiCall.to("127.0.0.1", port, "/hello")
 *         .pressDuring("tt-monkeys", '#').run();
 * }</pre>
 */
public final class SimulatedAgiCall {
    /** Commands Asterisk still runs on a hung-up channel (res_agi.c command table, dead = 1). */
    private static final Set<String> DEAD_SAFE = Set.of("ASYNCAGI BREAK", "DATABASE DEL", "DATABASE DELTREE",
            "DATABASE GET", "DATABASE PUT", "EXEC", "GET FULL VARIABLE", "GET VARIABLE", "NOOP", "SET VARIABLE",
            "VERBOSE");
    /** Command names, longest first so "GET FULL VARIABLE" wins over "GET VARIABLE". */
    private static final List<String> COMMANDS = List.of("CONTROL STREAM FILE", "GET FULL VARIABLE",
            "SPEECH ACTIVATE GRAMMAR", "SPEECH DEACTIVATE GRAMMAR", "SPEECH LOAD GRAMMAR", "SPEECH UNLOAD GRAMMAR",
            "SPEECH RECOGNIZE", "SPEECH CREATE", "SPEECH DESTROY", "SPEECH SET", "ASYNCAGI BREAK", "CHANNEL STATUS",
            "DATABASE DELTREE", "DATABASE DEL", "DATABASE GET", "DATABASE PUT", "GET DATA", "GET OPTION",
            "GET VARIABLE", "RECEIVE CHAR", "RECEIVE TEXT", "RECORD FILE", "SAY ALPHA", "SAY DATETIME", "SAY DATE",
            "SAY DIGITS", "SAY NUMBER", "SAY PHONETIC", "SAY TIME", "SEND IMAGE", "SEND TEXT", "SET AUTOHANGUP",
            "SET CALLERID", "SET CONTEXT", "SET EXTENSION", "SET MUSIC", "SET PRIORITY", "SET VARIABLE",
            "STREAM FILE", "TDD MODE", "WAIT FOR DIGIT", "ANSWER", "EXEC", "GOSUB", "HANGUP", "NOOP", "VERBOSE");
    private static final Set<String> KNOWN_APPS = Set.of("answer", "background", "confbridge", "dial", "echo",
            "goto", "gosub", "hangup", "musiconhold", "noop", "playback", "queue", "read", "record", "saydigits",
            "saynumber", "senddtmf", "set", "verbose", "wait", "waitexten");
    private static final Pattern CALLERID = Pattern.compile("\\s*(?:\"?([^\"<]*?)\"?\\s*)?<([^>]*)>\\s*|\\s*(\\S*)\\s*");
    private static final long FULL_PROMPT_SAMPLES = 16000;

    private final String host;
    private final int port;
    private final FastAgiEnvironment env;
    private Duration readTimeout = Duration.ofSeconds(20);
    private final Deque<Character> keys = new ArrayDeque<>();
    private final Map<String, Character> pressDuring = new HashMap<>();
    private final Map<String, String> variables = new LinkedHashMap<>();
    private int hangupAfterCommands = -1;
    private String hangupDuring;
    private boolean agiSigHup = true;
    private boolean exitOnHangup;
    private Consumer<AgiPeer.WireLine> tap;
    private int maxCommands = 10_000;

    private SimulatedAgiCall(String host, int port, String script) {
        this.host = host;
        this.port = port;
        this.env = FastAgiEnvironment.forScript(script).server(host, port)
                .channel("PJSIP/100-0000" + Integer.toHexString(0x1000 | (int) (Math.random() * 0xfff)))
                .uniqueId(String.format(Locale.ROOT, "%d.%d", System.currentTimeMillis() / 1000, (int) (Math.random() * 1000)));
    }

    /** A call to {@code agi://host:port/<script>}; {@code script} may carry a {@code ?query}. */
    public static SimulatedAgiCall to(String host, int port, String script) { return new SimulatedAgiCall(host, port, script); }

    public SimulatedAgiCall callerId(String number, String name) { env.callerId(number, name); return this; }
    public SimulatedAgiCall dnid(String dnid) { env.dnid(dnid); return this; }
    public SimulatedAgiCall channel(String channel) { env.channel(channel); return this; }
    public SimulatedAgiCall args(String... args) { env.args(args); return this; }
    public SimulatedAgiCall dialplan(String context, String extension, String priority) {
        env.dialplan(context, extension, priority);
        return this;
    }

    /** Keys the caller presses, in order, whenever a command reads keys (WAIT FOR DIGIT, GET DATA, prompts with escape digits). */
    public SimulatedAgiCall keys(String presses) {
        for (char c : presses.toCharArray()) keys.add(c);
        return this;
    }

    /** The caller presses {@code key} while the prompt {@code file} plays (if it is one of the escape digits). */
    public SimulatedAgiCall pressDuring(String file, char key) { pressDuring.put(file, key); return this; }

    /** A channel variable readable with GET VARIABLE. */
    public SimulatedAgiCall variable(String name, String value) { variables.put(name, value); return this; }

    /** The caller hangs up right after the app's n-th command got its reply (like capture 03a). */
    public SimulatedAgiCall hangupAfter(int commands) { this.hangupAfterCommands = commands; return this; }

    /** The caller hangs up while {@code file} plays: that command ends with result -1 (like capture 03d). */
    public SimulatedAgiCall hangupDuring(String file) { this.hangupDuring = file; return this; }

    /** {@code Set(AGISIGHUP=no)}: no HANGUP lines at all (capture 03b). */
    public SimulatedAgiCall noSigHup() { this.agiSigHup = false; return this; }

    /** {@code Set(AGIEXITONHANGUP=yes)}: at hangup write HANGUP twice and close (capture 03c). */
    public SimulatedAgiCall exitOnHangup() { this.exitOnHangup = true; return this; }

    public SimulatedAgiCall readTimeout(Duration d) { this.readTimeout = d; return this; }

    /** The simulated caller hangs up on an app that sends more commands than this (default 10,000). */
    public SimulatedAgiCall maxCommands(int n) { this.maxCommands = n; return this; }

    /** Sees every line exchanged. */
    public SimulatedAgiCall tap(Consumer<AgiPeer.WireLine> tap) { this.tap = tap; return this; }

    /** What the call saw. {@code agiStatus} is what Asterisk would set: SUCCESS, HANGUP or FAILURE. */
    public record Result(List<String> commands, List<AgiPeer.WireLine> wire, List<String> verbose,
                         Map<String, String> variables, boolean hungUp, boolean appClosed, String agiStatus,
                         String continueAt, String error) {
        /** Commands whose name starts with the given text. */
        public List<String> commandsStartingWith(String prefix) {
            return commands.stream().filter(c -> c.startsWith(prefix)).toList();
        }
    }

    /** Places the call and runs it to its end (the app closes, or the simulated caller's side ends it). */
    public Result run() throws IOException {
        List<AgiPeer.WireLine> wire = Collections.synchronizedList(new ArrayList<>());
        Consumer<AgiPeer.WireLine> t = tap == null ? wire::add : l -> { wire.add(l); tap.accept(l); };
        State st = new State();
        variables.putIfAbsent("CHANNEL", env.channel());
        String error = null;
        try (AgiPeer peer = AgiPeer.connect(host, port, readTimeout, t)) {
            peer.sendEnvironment(env.lines());
            while (true) {
                String line;
                try {
                    line = peer.readLine();
                } catch (SocketTimeoutException e) {
                    error = "the app sent nothing for " + readTimeout.toMillis() + " ms";
                    break;
                } catch (SocketException e) {
                    st.appClosed = true;
                    break;
                }
                if (line == null) {
                    st.appClosed = true;
                    if (agiSigHup && !st.closedByUs) {
                        try {
                            peer.send("HANGUP");
                        } catch (IOException ignored) {
                            // the app is gone already
                        }
                    }
                    break;
                }
                st.commands.add(line);
                if (st.commands.size() > maxCommands || Thread.currentThread().isInterrupted()) {
                    error = st.commands.size() > maxCommands ? "the app sent more than " + maxCommands + " commands"
                            : "interrupted";
                    break;
                }
                if (st.pendingNotice) {
                    st.pendingNotice = false;
                    if (agiSigHup) peer.send("HANGUP");
                }
                respond(peer, line, st);
                if (st.closedByUs) break;
                if (hangupAfterCommands >= 0 && st.commands.size() == hangupAfterCommands && !st.hungUp) {
                    callerHangsUp(peer, st, true);
                    if (st.closedByUs) break;
                }
            }
        }
        String status = st.hungUp ? "HANGUP" : st.failure ? "FAILURE" : "SUCCESS";
        String continueAt = st.context + "," + st.extension + "," + st.priority;
        return new Result(List.copyOf(st.commands), List.copyOf(wire), List.copyOf(st.verbose),
                Collections.unmodifiableMap(new LinkedHashMap<>(variables)), st.hungUp, st.appClosed, status,
                continueAt, error);
    }

    private static final class State {
        final List<String> commands = new ArrayList<>();
        final List<String> verbose = new ArrayList<>();
        final Map<String, String> db = new HashMap<>();
        boolean answered;
        boolean hungUp;
        boolean pendingNotice;
        boolean appClosed;
        boolean closedByUs;
        boolean failure;
        String context = "default";
        String extension = "s";
        String priority = "1";
    }

    private void callerHangsUp(AgiPeer peer, State st, boolean noticeNow) throws IOException {
        st.hungUp = true;
        if (peer == null) { // during a command: the notice follows with the next command (capture 03d)
            st.pendingNotice = true;
            return;
        }
        if (exitOnHangup) {
            peer.send("HANGUP");
            peer.send("HANGUP");
            peer.close();
            st.closedByUs = true;
        } else if (noticeNow) {
            if (agiSigHup) peer.send("HANGUP");
        } else {
            st.pendingNotice = true;
        }
    }

    private void respond(AgiPeer peer, String line, State st) throws IOException {
        String upper = line.toUpperCase(Locale.ROOT);
        String name = null;
        for (String c : COMMANDS) {
            if (upper.equals(c) || upper.startsWith(c + " ")) {
                name = c;
                break;
            }
        }
        if (name == null) {
            peer.send("510 Invalid or unknown command");
            return;
        }
        List<String> argv = AgiArgs.parse(line);
        List<String> a = argv.subList(Math.min(argv.size(), name.split(" ").length), argv.size());
        if (st.hungUp && !DEAD_SAFE.contains(name)) {
            peer.send("511 Command Not Permitted on a dead channel or intercept routine");
            return;
        }
        String reply = reply(name, a, st);
        if (reply == null) {
            peer.send("520-Invalid command syntax.  Proper usage follows:");
            peer.send("Usage: " + name + " (simulated usage text)");
            peer.send("520 End of proper usage.");
            return;
        }
        if (name.equals("GOSUB") && reply.startsWith("200 result=0")) peer.send("100 result=0 Trying...");
        peer.send(reply);
        if (name.equals("HANGUP") && a.isEmpty()) {
            st.hungUp = true;
            if (exitOnHangup) {
                callerHangsUp(peer, st, true);
            } else if (agiSigHup) {
                peer.send("HANGUP");
            }
        }
        if (st.hungUp && st.pendingNotice && exitOnHangup) {
            st.pendingNotice = false;
            peer.send("HANGUP");
            peer.send("HANGUP");
            peer.close();
            st.closedByUs = true;
        }
    }

    /** The reply line for a known command, or null for wrong usage (520). */
    private String reply(String name, List<String> a, State st) throws IOException {
        switch (name) {
            case "ANSWER" -> { st.answered = true; return "200 result=0"; }
            case "CHANNEL STATUS" -> {
                if (!a.isEmpty() && !a.get(0).equals(env.channel())) return "200 result=-1";
                return "200 result=" + (st.answered ? 6 : 4);
            }
            case "STREAM FILE", "CONTROL STREAM FILE" -> {
                if (a.size() < 2) return null;
                return prompt(a.get(0), a.get(1), st, name.startsWith("CONTROL") ? -1 : FULL_PROMPT_SAMPLES);
            }
            case "GET OPTION" -> {
                if (a.size() < 2) return null;
                String r = prompt(a.get(0), a.get(1), st, FULL_PROMPT_SAMPLES);
                if (!r.startsWith("200 result=0 ")) return r;
                Character k = nextKey(a.get(1));
                return k == null ? r : "200 result=" + (int) k + " endpos=" + FULL_PROMPT_SAMPLES;
            }
            case "SAY NUMBER", "SAY DIGITS", "SAY ALPHA", "SAY PHONETIC", "SAY DATE", "SAY TIME", "SAY DATETIME" -> {
                if (a.size() < 2) return null;
                if ((name.equals("SAY NUMBER") || name.startsWith("SAY DATE") || name.equals("SAY TIME"))
                        && !a.get(0).matches("-?\\d+")) return null;
                Character k = nextKey(a.get(1));
                return "200 result=" + (k == null ? 0 : (int) k);
            }
            case "WAIT FOR DIGIT" -> {
                if (a.isEmpty()) return null;
                Character k = keys.poll();
                if (k != null) return "200 result=" + (int) k;
                if (a.get(0).equals("-1")) { // waits forever and nobody presses: the caller gives up
                    callerHangsUp(null, st, false); // like 03d: the reply first, the HANGUP notice after it
                    return "200 result=-1";
                }
                return "200 result=0";
            }
            case "GET DATA" -> {
                if (a.isEmpty()) return null;
                if (a.get(0).equals(hangupDuring)) { callerHangsUp(null, st, false); return "200 result=-1"; }
                int max = a.size() > 2 ? Integer.parseInt(a.get(2)) : 1024;
                StringBuilder got = new StringBuilder();
                while (got.length() < max) {
                    Character k = keys.poll();
                    if (k == null) return "200 result=" + got + " (timeout)";
                    if (k == '#') return "200 result=" + got;
                    got.append(k);
                }
                return "200 result=" + got;
            }
            case "GET VARIABLE" -> {
                if (a.size() != 1) return null;
                String v = variable(a.get(0));
                return v == null ? "200 result=0" : "200 result=1 (" + v + ")";
            }
            case "GET FULL VARIABLE" -> {
                if (a.isEmpty()) return null;
                Matcher m = Pattern.compile("\\$\\{([^}]*)}").matcher(a.get(0));
                StringBuilder out = new StringBuilder();
                while (m.find()) {
                    String v = variable(m.group(1));
                    m.appendReplacement(out, Matcher.quoteReplacement(v == null ? "" : v));
                }
                m.appendTail(out);
                return "200 result=1 (" + out + ")";
            }
            case "SET VARIABLE" -> {
                if (a.size() != 2) return null;
                setVariable(a.get(0), a.get(1));
                return "200 result=1";
            }
            case "SET CALLERID" -> {
                if (a.isEmpty()) return null;
                setVariable("CALLERID(all)", a.get(0));
                return "200 result=1";
            }
            case "VERBOSE" -> {
                if (a.isEmpty()) return null;
                st.verbose.add(a.get(0));
                return "200 result=1";
            }
            case "NOOP", "ASYNCAGI BREAK", "SET AUTOHANGUP", "SET MUSIC", "SEND TEXT", "SEND IMAGE" -> {
                return "200 result=0";
            }
            case "TDD MODE" -> { return a.isEmpty() ? null : "200 result=0"; }
            case "RECEIVE CHAR" -> { st.failure = true; return "200 result=-1 (hangup)"; }
            case "RECEIVE TEXT" -> { return "200 result=-1"; }
            case "HANGUP" -> {
                if (a.isEmpty() || a.get(0).equals(env.channel())) return "200 result=1";
                return "200 result=-1";
            }
            case "EXEC" -> {
                if (a.isEmpty()) return null;
                String app = a.get(0).toLowerCase(Locale.ROOT);
                if (!KNOWN_APPS.contains(app)) return "200 result=-2";
                if (app.equals("set") && a.size() > 1) {
                    int eq = a.get(1).indexOf('=');
                    if (eq > 0) setVariable(a.get(1).substring(0, eq), a.get(1).substring(eq + 1));
                }
                if (app.equals("hangup")) { st.hungUp = true; return "200 result=-1"; }
                return "200 result=0";
            }
            case "GOSUB" -> {
                if (a.size() < 3) return null;
                return a.get(0).startsWith("no-such") ? "200 result=-1 Gosub label not found" : "200 result=0 Gosub complete";
            }
            case "DATABASE PUT" -> {
                if (a.size() != 3) return null;
                st.db.put(a.get(0) + "/" + a.get(1), a.get(2));
                return "200 result=1";
            }
            case "DATABASE GET" -> {
                if (a.size() != 2) return null;
                String v = st.db.get(a.get(0) + "/" + a.get(1));
                return v == null ? "200 result=0" : "200 result=1 (" + v + ")";
            }
            case "DATABASE DEL" -> {
                if (a.size() != 2) return null;
                st.db.remove(a.get(0) + "/" + a.get(1));
                return "200 result=1";
            }
            case "DATABASE DELTREE" -> {
                if (a.isEmpty()) return null;
                String prefix = a.get(0) + "/" + (a.size() > 1 ? a.get(1) : "");
                st.db.keySet().removeIf(k -> k.startsWith(prefix));
                return "200 result=1";
            }
            case "SET CONTEXT" -> { if (a.isEmpty()) return null; st.context = a.get(0); return "200 result=0"; }
            case "SET EXTENSION" -> { if (a.isEmpty()) return null; st.extension = a.get(0); return "200 result=0"; }
            case "SET PRIORITY" -> {
                if (a.isEmpty() || !a.get(0).matches("\\d+")) return null;
                st.priority = a.get(0);
                return "200 result=0";
            }
            case "RECORD FILE" -> {
                if (a.size() < 4) return null;
                Character k = nextKey(a.get(2));
                return k == null ? "200 result=0 (timeout) endpos=0" : "200 result=" + (int) k + " (dtmf) endpos=0";
            }
            case "SPEECH CREATE", "SPEECH SET", "SPEECH DESTROY", "SPEECH LOAD GRAMMAR", "SPEECH UNLOAD GRAMMAR",
                 "SPEECH ACTIVATE GRAMMAR", "SPEECH DEACTIVATE GRAMMAR", "SPEECH RECOGNIZE" -> {
                return "200 result=0"; // no speech engine loaded, as in capture 02
            }
            default -> { return "510 Invalid or unknown command"; }
        }
    }

    private String prompt(String file, String escape, State st, long fullEndpos) {
        if (file.equals(hangupDuring)) {
            try {
                callerHangsUp(null, st, false);
            } catch (IOException impossible) {
                throw new IllegalStateException(impossible);
            }
            return "200 result=-1 endpos=8320";
        }
        if (file.startsWith("no-such")) return "200 result=-1 endpos=0";
        Character during = pressDuring.get(file);
        if (during != null && escape.indexOf(during) >= 0) return "200 result=" + (int) during + " endpos=6880";
        Character k = keys.peek();
        if (k != null && escape.indexOf(k) >= 0) {
            keys.poll();
            return "200 result=" + (int) k + " endpos=6880";
        }
        return "200 result=0 endpos=" + fullEndpos;
    }

    private Character nextKey(String escape) {
        Character k = keys.peek();
        if (k != null && escape.indexOf(k) >= 0) return keys.poll();
        return null;
    }

    private String variable(String name) {
        String v = variables.get(name);
        if (v != null) return v;
        return switch (name) {
            case "CALLERID(num)" -> known(env.callerId());
            case "CALLERID(name)" -> known(env.callerIdName());
            case "CALLERID(all)" -> "\"" + known(env.callerIdName()) + "\" <" + known(env.callerId()) + ">";
            default -> null;
        };
    }

    private static String known(String v) { return "unknown".equals(v) ? "" : v; }

    private void setVariable(String name, String value) {
        if (name.equals("CALLERID(all)")) {
            Matcher m = CALLERID.matcher(value);
            if (m.matches()) {
                if (m.group(2) != null) {
                    variables.put("CALLERID(num)", m.group(2));
                    variables.put("CALLERID(name)", m.group(1) == null ? "" : m.group(1).trim());
                } else {
                    variables.put("CALLERID(num)", m.group(3));
                }
            }
            variables.put("CALLERID(all)", value);
        } else if (name.equals("CALLERID(name)") || name.equals("CALLERID(num)")) {
            variables.put(name, value);
            variables.put("CALLERID(all)", "\"" + variable("CALLERID(name)") + "\" <" + variable("CALLERID(num)") + ">");
        } else {
            variables.put(name, value);
        }
    }
}
