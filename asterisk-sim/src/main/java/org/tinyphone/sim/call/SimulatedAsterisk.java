package org.tinyphone.sim.call;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asterisk's side of one AGI session, without I/O: the {@code agi_*} environment it sends, and the reply it gives to
 * each command line, as Asterisk 22 does (see the FastAGI captures). Commands that wait on the channel (WAIT FOR
 * DIGIT, STREAM FILE, SAY *, GET DATA, GET OPTION) take their time and are interrupted by the caller's keys from the
 * {@link KeyPad}; once the caller has hung up, channel commands get {@code 511} and dead-channel-safe ones still
 * answer.
 */
final class SimulatedAsterisk {
    static final String DEAD_CHANNEL = "511 Command Not Permitted on a dead channel or intercept routine";
    static final String UNKNOWN = "510 Invalid or unknown command";
    /** Simulated length of any sound file played. */
    static final long PLAY_MILLIS = 600;
    /** Simulated time to say one digit or letter. */
    static final long SAY_MILLIS_PER_CHAR = 150;

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final Set<String> DEAD_SAFE = Set.of("NOOP", "VERBOSE", "GET VARIABLE", "GET FULL VARIABLE",
            "SET VARIABLE", "DATABASE GET", "DATABASE PUT", "DATABASE DEL", "DATABASE DELTREE", "ASYNCAGI BREAK");
    private static final List<String> COMMANDS = List.of("ANSWER", "ASYNCAGI BREAK", "CHANNEL STATUS",
            "CONTROL STREAM FILE", "DATABASE DELTREE", "DATABASE DEL", "DATABASE GET", "DATABASE PUT", "EXEC",
            "GET DATA", "GET FULL VARIABLE", "GET OPTION", "GET VARIABLE", "GOSUB", "HANGUP", "NOOP", "RECEIVE CHAR",
            "RECEIVE TEXT", "RECORD FILE", "SAY ALPHA", "SAY DATETIME", "SAY DATE", "SAY DIGITS", "SAY NUMBER",
            "SAY PHONETIC", "SAY TIME", "SEND IMAGE", "SEND TEXT", "SET AUTOHANGUP", "SET CALLERID", "SET CONTEXT",
            "SET EXTENSION", "SET MUSIC", "SET PRIORITY", "SET VARIABLE", "SPEECH", "STREAM FILE", "TDD MODE",
            "VERBOSE", "WAIT FOR DIGIT");
    private static final Pattern VARIABLE_REF = Pattern.compile("\\$\\{([^}]*)}");

    private final SimulatedCall call;
    private final KeyPad keypad;
    private final String uniqueId;
    private final String channel;
    private final Map<String, String> variables = new HashMap<>();
    private final Map<String, String> database = new HashMap<>();
    private final List<String> commandsSeen = new ArrayList<>();
    private boolean answered;
    private boolean hangupCommand;

    SimulatedAsterisk(SimulatedCall call, KeyPad keypad) {
        this.call = call;
        this.keypad = keypad;
        long n = SEQUENCE.incrementAndGet();
        this.uniqueId = uniqueId(n);
        this.channel = String.format(Locale.ROOT, "PJSIP/sim-%08x", n);
        variables.put("CHANNEL", channel);
        variables.put("UNIQUEID", uniqueId);
    }

    /** A channel's uniqueid as Asterisk makes it: its start in epoch seconds, a dot, its number since Asterisk started. */
    static String nextUniqueId() {
        return uniqueId(SEQUENCE.incrementAndGet());
    }

    private static String uniqueId(long n) {
        return (System.currentTimeMillis() / 1000) + "." + n;
    }

    String uniqueId() {
        return uniqueId;
    }

    /** Every command line received, in order. */
    List<String> commandsSeen() {
        return List.copyOf(commandsSeen);
    }

    /** True once the app sent HANGUP. */
    boolean hungUpByApp() {
        return hangupCommand;
    }

    /**
     * The environment block as Asterisk 22 sends it for {@code AGI(agi://host:port/script,args)}, in its order,
     * ending with the empty line. {@code network} false gives the process-AGI (EAGI) form.
     */
    Map<String, String> environment(boolean network, String host, int port, String script) {
        Map<String, String> env = new LinkedHashMap<>();
        if (network) {
            env.put("agi_network", "yes");
            env.put("agi_network_script", script);
            env.put("agi_request", "agi://" + host + ":" + port + "/" + script);
        } else {
            env.put("agi_request", script);
        }
        env.put("agi_channel", channel);
        env.put("agi_language", "en");
        env.put("agi_type", "PJSIP");
        env.put("agi_uniqueid", uniqueId);
        env.put("agi_version", "22.10.1");
        env.put("agi_callerid", call.from());
        env.put("agi_calleridname", call.name() == null || call.name().isBlank() ? "unknown" : call.name());
        env.put("agi_callingpres", "0");
        env.put("agi_callingani2", "0");
        env.put("agi_callington", "0");
        env.put("agi_callingtns", "0");
        env.put("agi_dnid", call.to());
        env.put("agi_rdnis", "unknown");
        env.put("agi_context", "from-provider");
        env.put("agi_extension", call.to());
        env.put("agi_priority", "1");
        env.put("agi_enhanced", network ? "0.0" : "1.0");
        env.put("agi_accountcode", "");
        env.put("agi_threadid", Long.toString(140000000000000L + SEQUENCE.get()));
        for (int i = 0; i < call.args().size(); i++) {
            env.put("agi_arg_" + (i + 1), call.args().get(i));
        }
        return env;
    }

    /** The environment as wire lines ({@code agi_x: value}), the empty line last. */
    static List<String> environmentLines(Map<String, String> env) {
        List<String> lines = new ArrayList<>();
        env.forEach((k, v) -> lines.add(k + ": " + v));
        lines.add("");
        return lines;
    }

    /** The reply line to one command line; blocks as long as the command would take on a real channel. */
    String answer(String line) throws InterruptedException {
        commandsSeen.add(line);
        List<String> words = split(line);
        String command = commandOf(words);
        if (command == null) {
            return UNKNOWN;
        }
        List<String> args = words.subList(command.split(" ").length, words.size());
        boolean dead = keypad.isHungUp();
        if (dead && !DEAD_SAFE.contains(command)) {
            return DEAD_CHANNEL;
        }
        return switch (command) {
            case "ANSWER" -> {
                answered = true;
                yield "200 result=0";
            }
            case "CHANNEL STATUS" -> "200 result=" + (answered ? 6 : 4);
            case "WAIT FOR DIGIT" -> waitForDigit(args);
            case "STREAM FILE", "CONTROL STREAM FILE" -> stream(args, false);
            case "GET OPTION" -> stream(args, true);
            case "SAY NUMBER", "SAY DIGITS", "SAY ALPHA", "SAY PHONETIC" -> say(args);
            case "SAY DATE", "SAY TIME", "SAY DATETIME" -> sayTime(args);
            case "GET DATA" -> getData(args);
            case "SET VARIABLE" -> {
                if (args.size() != 2) {
                    yield usage();
                }
                variables.put(args.get(0), args.get(1));
                yield "200 result=1";
            }
            case "GET VARIABLE" -> {
                if (args.isEmpty()) {
                    yield usage();
                }
                String value = variable(args.get(0));
                yield value == null ? "200 result=0" : "200 result=1 (" + value + ")";
            }
            case "GET FULL VARIABLE" -> {
                if (args.isEmpty()) {
                    yield usage();
                }
                yield "200 result=1 (" + expand(args.get(0)) + ")";
            }
            case "DATABASE PUT" -> {
                database.put(String.join("/", args.subList(0, Math.min(2, args.size()))),
                        args.size() > 2 ? args.get(2) : "");
                yield "200 result=1";
            }
            case "DATABASE GET" -> {
                String value = database.get(String.join("/", args.subList(0, Math.min(2, args.size()))));
                yield value == null ? "200 result=0" : "200 result=1 (" + value + ")";
            }
            case "DATABASE DEL", "DATABASE DELTREE" -> {
                database.remove(String.join("/", args.subList(0, Math.min(2, args.size()))));
                yield "200 result=1";
            }
            case "VERBOSE" -> "200 result=1";
            case "HANGUP" -> {
                hangupCommand = true;
                keypad.hangUp();
                yield "200 result=1";
            }
            case "EXEC" -> args.isEmpty() ? usage() : "200 result=0";
            case "RECEIVE CHAR" -> "200 result=-1 (hangup)";
            case "RECEIVE TEXT" -> "200 result=-1";
            default -> "200 result=0";
        };
    }

    private String waitForDigit(List<String> args) throws InterruptedException {
        long timeout = args.isEmpty() ? -1 : parseLong(args.get(0), -1);
        int key = keypad.awaitKey(timeout);
        return switch (key) {
            case KeyPad.HANGUP -> "200 result=-1";
            case KeyPad.TIMEOUT -> "200 result=0";
            default -> "200 result=" + key;
        };
    }

    private String stream(List<String> args, boolean option) throws InterruptedException {
        if (args.isEmpty()) {
            return usage();
        }
        String escape = args.size() > 1 ? args.get(1) : "";
        long started = System.nanoTime();
        int key = awaitEscape(PLAY_MILLIS, escape);
        long endpos = Math.min(PLAY_MILLIS, (System.nanoTime() - started) / 1_000_000) * 8;
        if (key == KeyPad.HANGUP) {
            return "200 result=-1 endpos=" + endpos;
        }
        if (key == KeyPad.TIMEOUT && option) {
            long wait = args.size() > 2 ? parseLong(args.get(2), 5000) : 5000;
            key = awaitEscape(wait, escape);
            if (key == KeyPad.HANGUP) {
                return "200 result=-1 endpos=" + endpos;
            }
        }
        return "200 result=" + (key == KeyPad.TIMEOUT ? 0 : key) + " endpos=" + endpos;
    }

    private String say(List<String> args) throws InterruptedException {
        if (args.size() < 2) {
            return usage();
        }
        String escape = args.get(1);
        int key = awaitEscape(SAY_MILLIS_PER_CHAR * Math.max(1, args.get(0).length()), escape);
        return switch (key) {
            case KeyPad.HANGUP -> "200 result=-1";
            case KeyPad.TIMEOUT -> "200 result=0";
            default -> "200 result=" + key;
        };
    }

    private String sayTime(List<String> args) throws InterruptedException {
        if (args.size() < 2) {
            return usage();
        }
        int key = awaitEscape(1500, args.get(1));
        return switch (key) {
            case KeyPad.HANGUP -> "200 result=-1";
            case KeyPad.TIMEOUT -> "200 result=0";
            default -> "200 result=" + key;
        };
    }

    /** GET DATA file [timeout [max]]: digits until max, '#' (not included) or a pause of timeout. */
    private String getData(List<String> args) throws InterruptedException {
        if (args.isEmpty()) {
            return usage();
        }
        long timeout = args.size() > 1 ? parseLong(args.get(1), 2000) : 2000;
        long max = args.size() > 2 ? parseLong(args.get(2), 1024) : 1024;
        StringBuilder digits = new StringBuilder();
        while (digits.length() < max) {
            int key = keypad.awaitKey(timeout <= 0 ? 2000 : timeout);
            if (key == KeyPad.HANGUP) {
                return "200 result=-1";
            }
            if (key == KeyPad.TIMEOUT) {
                return "200 result=" + digits + " (timeout)";
            }
            if (key == '#') {
                break;
            }
            digits.append((char) key);
        }
        return "200 result=" + digits;
    }

    /** Plays for {@code millis}; a key in {@code escape} ends it early, other keys are dropped as Asterisk does. */
    private int awaitEscape(long millis, String escape) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return keypad.isHungUp() ? KeyPad.HANGUP : KeyPad.TIMEOUT;
            }
            int key = keypad.awaitKey(left);
            if (key < 0 || escape.indexOf(key) >= 0) {
                return key;
            }
        }
    }

    private String variable(String name) {
        return switch (name) {
            case "CALLERID(num)" -> call.from();
            case "CALLERID(name)" -> call.name();
            case "CALLERID(dnid)" -> call.to();
            default -> variables.get(name);
        };
    }

    private String expand(String expression) {
        Matcher m = VARIABLE_REF.matcher(expression);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = variable(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String usage() {
        return "520 Invalid command syntax.  Proper usage not available.";
    }

    /** Whether a line from the peer is an AGI command at all (known or not to this simulation's replies). */
    static boolean isCommand(String line) {
        return commandOf(split(line)) != null;
    }

    private static String commandOf(List<String> words) {
        String upper = String.join(" ", words.subList(0, Math.min(3, words.size()))).toUpperCase(Locale.ROOT);
        for (String command : COMMANDS) {
            if (upper.equals(command) || upper.startsWith(command + " ")) {
                return command;
            }
        }
        return null;
    }

    private static long parseLong(String text, long fallback) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** Splits an AGI command line into words; {@code "..."} groups words and keeps {@code \"} as a quote. */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && quoted) {
                word.append(line.charAt(++i));
            } else if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (c == ' ' && !quoted) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
