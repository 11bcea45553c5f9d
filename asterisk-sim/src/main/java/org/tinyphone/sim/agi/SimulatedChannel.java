package org.tinyphone.sim.agi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asterisk 22's side of one AGI session, without I/O: the reply to each command line, as the captures show it
 * (reply formats, 510 for an unknown command, 520 with a usage text, 511 once the channel is hung up for commands
 * that need a live one, {@code 100 Trying} before GOSUB) and the channel's state (variables, AstDB, answered, where
 * the dialplan continues). When keys come and when the caller hangs up is the {@link Caller}'s business: a scripted
 * caller ({@link SimulatedAgiCall}) or one on a clock ({@code org.tinyphone.sim.call}). Not thread-safe: one
 * session's thread answers.
 */
public final class SimulatedChannel {
    /** A {@link Caller} result: no key came (the prompt played out, the wait timed out). */
    public static final int TIMEOUT = -1;
    /** A {@link Caller} result: the caller hung up. */
    public static final int HANGUP = -2;

    public static final String UNKNOWN = "510 Invalid or unknown command";
    public static final String DEAD_CHANNEL = "511 Command Not Permitted on a dead channel or intercept routine";

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
    private static final Pattern VARIABLE_REF = Pattern.compile("\\$\\{([^}]*)}");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    /** Simulated length of any sound file played (STREAM FILE, GET OPTION, RECORD FILE's wait for a key). */
    public static final long PROMPT_MILLIS = 600;
    /** Simulated time to say one digit or letter. */
    private static final long SAY_MILLIS_PER_CHAR = 150;
    /** Simulated time to say a date or a time. */
    private static final long SAY_TIME_MILLIS = 1500;

    /**
     * The caller on the channel: when keys come, when it hangs up. Each method blocks as long as the caller makes
     * the command take. Results are a key ({@code 0-9 * #} as a char code), {@link #TIMEOUT} or {@link #HANGUP}.
     */
    public interface Caller {
        /**
         * {@code file} plays (a prompt, or what SAY says, about {@code millis} long) and a key in {@code escape} stops
         * it: how it ended ({@code control}: CONTROL STREAM FILE).
         */
        Played play(String file, String escape, long millis, boolean control) throws InterruptedException;

        /** WAIT FOR DIGIT: any key within {@code timeoutMillis} (negative: no limit). */
        int waitForDigit(long timeoutMillis) throws InterruptedException;

        /** GET OPTION after its prompt played out: a key in {@code escape} within {@code timeoutMillis}. */
        int option(String escape, long timeoutMillis) throws InterruptedException;

        /** GET DATA {@code file}: the next key within {@code timeoutMillis}. */
        int digit(String file, long timeoutMillis) throws InterruptedException;

        /** True once the caller has hung up (the channel is dead). */
        boolean hungUp();

        /** The app hung the channel up (HANGUP, EXEC Hangup). */
        void channelHungUp();
    }

    /**
     * How a played file ended.
     *
     * @param result the reply's result: a key's char code, 0 (played out) or -1 (the caller hung up, no such file)
     * @param endpos the sample the playback stopped at
     */
    public record Played(int result, long endpos) {}

    private final String channel;
    private final String callerNumber;
    private final String callerName;
    private final String dnid;
    private final Caller caller;
    private final Map<String, String> variables = new LinkedHashMap<>();
    private final Map<String, String> database = new HashMap<>();
    private final List<String> commands = new ArrayList<>();
    private final List<String> verbose = new ArrayList<>();
    private boolean answered;
    private boolean hungUpByApp;
    private boolean failure;
    private String context = "default";
    private String extension = "s";
    private String priority = "1";

    /** A channel whose caller id and dialed number read as {@code unknown} when empty, as Asterisk writes them. */
    public SimulatedChannel(String channel, String callerNumber, String callerName, String dnid, Caller caller) {
        this.channel = channel;
        this.callerNumber = known(callerNumber);
        this.callerName = known(callerName);
        this.dnid = known(dnid);
        this.caller = caller;
        variables.put("CHANNEL", channel);
    }

    /** Sets a channel variable (readable with GET VARIABLE). */
    public SimulatedChannel variable(String name, String value) {
        setVariable(name, value);
        return this;
    }

    /** The name of the AGI command {@code line} starts with (upper case), or null if it is none. */
    public static String commandOf(String line) {
        String upper = line.toUpperCase(Locale.ROOT);
        for (String c : COMMANDS) {
            if (upper.equals(c) || upper.startsWith(c + " ")) return c;
        }
        return null;
    }

    /**
     * The reply to one command line (several lines joined by {@code \n} for a 520 usage text or GOSUB's
     * {@code 100 Trying}); blocks as long as the command takes on the channel.
     */
    public String answer(String line) throws InterruptedException {
        commands.add(line);
        String name = commandOf(line);
        if (name == null) return UNKNOWN;
        List<String> argv = AgiArgs.parse(line);
        List<String> a = argv.subList(Math.min(argv.size(), name.split(" ").length), argv.size());
        if (isDead() && !DEAD_SAFE.contains(name)) return DEAD_CHANNEL;
        String reply = reply(name, a);
        if (reply == null) {
            return "520-Invalid command syntax.  Proper usage follows:\nUsage: " + name
                    + " (simulated usage text)\n520 End of proper usage.";
        }
        if (name.equals("GOSUB") && reply.startsWith("200 result=0")) return "100 result=0 Trying...\n" + reply;
        return reply;
    }

    /** True once the caller or the app hung up. */
    public boolean isDead() {
        return hungUpByApp || caller.hungUp();
    }

    /** True once the app hung the channel up (HANGUP, EXEC Hangup). */
    public boolean hungUpByApp() {
        return hungUpByApp;
    }

    /** Every command line received, in order. */
    public List<String> commands() {
        return List.copyOf(commands);
    }

    /** The VERBOSE messages, in order. */
    public List<String> verbose() {
        return List.copyOf(verbose);
    }

    /** The channel variables as they are now. */
    public Map<String, String> variables() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }

    /** True if a command failed the channel as Asterisk's AGISTATUS=FAILURE would say (RECEIVE CHAR here). */
    public boolean failed() {
        return failure;
    }

    /** Where the dialplan continues: {@code context,extension,priority} (SET CONTEXT, SET EXTENSION, SET PRIORITY). */
    public String continueAt() {
        return context + "," + extension + "," + priority;
    }

    /** The reply line for a known command, or null for wrong usage (520). */
    private String reply(String name, List<String> a) throws InterruptedException {
        switch (name) {
            case "ANSWER" -> { answered = true; return "200 result=0"; }
            case "CHANNEL STATUS" -> {
                if (!a.isEmpty() && !a.get(0).equals(channel)) return "200 result=-1";
                return "200 result=" + (answered ? 6 : 4);
            }
            case "STREAM FILE", "CONTROL STREAM FILE" -> {
                if (a.size() < 2) return null;
                Played p = caller.play(a.get(0), a.get(1), PROMPT_MILLIS, name.startsWith("CONTROL"));
                return "200 result=" + p.result() + " endpos=" + p.endpos();
            }
            case "GET OPTION" -> {
                if (a.size() < 2) return null;
                Played p = caller.play(a.get(0), a.get(1), PROMPT_MILLIS, false);
                if (p.result() != 0) return "200 result=" + p.result() + " endpos=" + p.endpos();
                int key = caller.option(a.get(1), a.size() > 2 ? number(a.get(2), 5000) : 5000);
                return "200 result=" + keyResult(key) + " endpos=" + p.endpos();
            }
            case "SAY NUMBER", "SAY DIGITS", "SAY ALPHA", "SAY PHONETIC", "SAY DATE", "SAY TIME", "SAY DATETIME" -> {
                if (a.size() < 2) return null;
                boolean time = name.startsWith("SAY DATE") || name.equals("SAY TIME");
                if ((name.equals("SAY NUMBER") || time) && !NUMBER.matcher(a.get(0)).matches()) return null;
                long millis = time ? SAY_TIME_MILLIS : SAY_MILLIS_PER_CHAR * Math.max(1, a.get(0).length());
                Played p = caller.play(a.get(0), a.get(1), millis, false);
                return "200 result=" + p.result();
            }
            case "WAIT FOR DIGIT" -> {
                if (a.isEmpty() || !NUMBER.matcher(a.get(0)).matches()) return null;
                return "200 result=" + keyResult(caller.waitForDigit(number(a.get(0), -1)));
            }
            case "GET DATA" -> {
                if (a.isEmpty()) return null;
                long timeout = a.size() > 1 ? number(a.get(1), 2000) : 2000;
                long max = a.size() > 2 ? number(a.get(2), 1024) : 1024;
                StringBuilder digits = new StringBuilder();
                while (digits.length() < max) {
                    int key = caller.digit(a.get(0), timeout <= 0 ? 2000 : timeout);
                    if (key == HANGUP) return "200 result=-1";
                    if (key == TIMEOUT) return "200 result=" + digits + " (timeout)";
                    if (key == '#') break;
                    digits.append((char) key);
                }
                return "200 result=" + digits;
            }
            case "GET VARIABLE" -> {
                if (a.size() != 1) return null;
                String v = variableValue(a.get(0));
                return v == null ? "200 result=0" : "200 result=1 (" + v + ")";
            }
            case "GET FULL VARIABLE" -> {
                if (a.isEmpty()) return null;
                Matcher m = VARIABLE_REF.matcher(a.get(0));
                StringBuilder out = new StringBuilder();
                while (m.find()) {
                    String v = variableValue(m.group(1));
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
                verbose.add(a.get(0));
                return "200 result=1";
            }
            case "NOOP", "ASYNCAGI BREAK", "SET AUTOHANGUP", "SET MUSIC", "SEND TEXT", "SEND IMAGE" -> {
                return "200 result=0";
            }
            case "TDD MODE" -> { return a.isEmpty() ? null : "200 result=0"; }
            case "RECEIVE CHAR" -> { failure = true; return "200 result=-1 (hangup)"; }
            case "RECEIVE TEXT" -> { return "200 result=-1"; }
            case "HANGUP" -> {
                if (!a.isEmpty() && !a.get(0).equals(channel)) return "200 result=-1";
                hangUp();
                return "200 result=1";
            }
            case "EXEC" -> {
                if (a.isEmpty()) return null;
                String app = a.get(0).toLowerCase(Locale.ROOT);
                if (!KNOWN_APPS.contains(app)) return "200 result=-2";
                if (app.equals("set") && a.size() > 1) {
                    int eq = a.get(1).indexOf('=');
                    if (eq > 0) setVariable(a.get(1).substring(0, eq), a.get(1).substring(eq + 1));
                }
                if (app.equals("hangup")) { hangUp(); return "200 result=-1"; }
                return "200 result=0";
            }
            case "GOSUB" -> {
                if (a.size() < 3) return null;
                return a.get(0).startsWith("no-such") ? "200 result=-1 Gosub label not found" : "200 result=0 Gosub complete";
            }
            case "DATABASE PUT" -> {
                if (a.size() != 3) return null;
                database.put(a.get(0) + "/" + a.get(1), a.get(2));
                return "200 result=1";
            }
            case "DATABASE GET" -> {
                if (a.size() != 2) return null;
                String v = database.get(a.get(0) + "/" + a.get(1));
                return v == null ? "200 result=0" : "200 result=1 (" + v + ")";
            }
            case "DATABASE DEL" -> {
                if (a.size() != 2) return null;
                database.remove(a.get(0) + "/" + a.get(1));
                return "200 result=1";
            }
            case "DATABASE DELTREE" -> {
                if (a.isEmpty()) return null;
                String prefix = a.get(0) + "/" + (a.size() > 1 ? a.get(1) : "");
                database.keySet().removeIf(k -> k.startsWith(prefix));
                return "200 result=1";
            }
            case "SET CONTEXT" -> { if (a.isEmpty()) return null; context = a.get(0); return "200 result=0"; }
            case "SET EXTENSION" -> { if (a.isEmpty()) return null; extension = a.get(0); return "200 result=0"; }
            case "SET PRIORITY" -> {
                if (a.isEmpty() || !a.get(0).matches("\\d+")) return null;
                priority = a.get(0);
                return "200 result=0";
            }
            case "RECORD FILE" -> {
                if (a.size() < 4) return null;
                Played p = caller.play(a.get(0), a.get(2), PROMPT_MILLIS, false);
                return p.result() > 0 ? "200 result=" + p.result() + " (dtmf) endpos=0" : "200 result=0 (timeout) endpos=0";
            }
            case "SPEECH CREATE", "SPEECH SET", "SPEECH DESTROY", "SPEECH LOAD GRAMMAR", "SPEECH UNLOAD GRAMMAR",
                 "SPEECH ACTIVATE GRAMMAR", "SPEECH DEACTIVATE GRAMMAR", "SPEECH RECOGNIZE" -> {
                return "200 result=0"; // no speech engine loaded, as in capture 02
            }
            default -> { return UNKNOWN; }
        }
    }

    private void hangUp() {
        hungUpByApp = true;
        caller.channelHungUp();
    }

    /** A {@link Caller} result as a reply's result: the key's code, 0 for no key, -1 for a hangup. */
    private static int keyResult(int key) {
        return key == HANGUP ? -1 : key == TIMEOUT ? 0 : key;
    }

    private String variableValue(String name) {
        String v = variables.get(name);
        if (v != null) return v;
        return switch (name) {
            case "CALLERID(num)" -> callerNumber;
            case "CALLERID(name)" -> callerName;
            case "CALLERID(all)" -> "\"" + callerName + "\" <" + callerNumber + ">";
            case "CALLERID(dnid)" -> dnid;
            default -> null;
        };
    }

    private static String known(String v) {
        return v == null || "unknown".equals(v) ? "" : v;
    }

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
            variables.put("CALLERID(all)", "\"" + variableValue("CALLERID(name)") + "\" <" + variableValue("CALLERID(num)") + ">");
        } else {
            variables.put(name, value);
        }
    }

    private static long number(String text, long fallback) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
