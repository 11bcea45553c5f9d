package org.tinyphone.server.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinyphone.server.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Entry point of the {@code ./tinyphone} command line: one tool, whose {@code --help} lists every command (those the
 * launcher runs itself, such as {@code test}, too), whose errors all read {@code tinyphone COMMAND: what is wrong}
 * and whose exit status means the same everywhere ({@link #EXIT_STATUS}).
 */
@Command(name = "tinyphone", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Tinyphone: live call events from Asterisk to apps, by dialed number, both ways.",
        footer = {"", "./tinyphone COMMAND --help tells a command's options.", Main.EXIT_STATUS})
public final class Main implements Runnable {
    /** What an exit status means, for every command. */
    static final String EXIT_STATUS = "Exit status: 0 done (a server, the demo, the examples or a watch stopped with "
            + "Ctrl-C too); 1 it did not work (a call failed, Asterisk answered Error); 2 wrong command line or settings; "
            + "3 could not connect.";
    /** Exit status: the command line or the settings are wrong. */
    static final int USAGE = 2;
    /** Exit status: what was asked for did not work. */
    static final int FAILED = 1;
    /** Exit status: nothing to connect to, or the login was refused. */
    static final int NO_CONNECTION = 3;

    /**
     * The commands the {@code ./tinyphone} launcher runs itself (Maven, the benchmark jar), in the order of the
     * README; listed here so that {@code --help} names every command.
     */
    static final Map<String, String> LAUNCHER_COMMANDS = launcherCommands();

    private static Map<String, String> launcherCommands() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("test", "Run every module's tests, as CI does (Maven options pass on, e.g. -DexcludedGroups=load,browser)");
        m.put("bench", "Run the benchmarks side by side with asterisk-java and ari4java (ami, fastagi, memory, bridge, relay, ari, streams or all; --quick), or the soak");
        m.put("fuzz", "Run long coverage-guided fuzzing of the decoders that read outside bytes, one target after the other (docs/fuzzing.md)");
        m.put("build", "Build the project (every command builds first when the sources changed)");
        return m;
    }

    @CommandLine.Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand(new ServerCommand());
        cl.addSubcommand(new DemoCommand());
        cl.addSubcommand(new SimulateCommand());
        cl.addSubcommand(new ExamplesCommand());
        cl.addSubcommand(new AmiCommand());
        LAUNCHER_COMMANDS.forEach((name, description) -> {
            CommandLine launcher = new CommandLine(new LauncherCommand());
            launcher.getCommandSpec().name(name).usageMessage().description(description);
            cl.addSubcommand(name, launcher);
        });
        cl.addSubcommand(new CommandLine.HelpCommand());
        // (the list of commands shows a command's header where it has one, as picocli's help command does)
        cl.getSubcommands().get("help").getCommandSpec().usageMessage().header("Show a command's help: help COMMAND");
        // a number that is not one reads as the other value errors do: "--hold 'abc' is not a whole number"
        CommandLine.ITypeConverter<Long> whole = text -> {
            try {
                return Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + text + "' is not a whole number");
            }
        };
        CommandLine.ITypeConverter<Integer> small = text -> {
            long v = whole.convert(text);
            if (v != (int) v) throw new CommandLine.TypeConversionException("'" + text + "' is too large");
            return (int) v;
        };
        cl.registerConverter(Long.class, whole).registerConverter(long.class, whole)
                .registerConverter(Integer.class, small).registerConverter(int.class, small);
        // commands that hand their arguments to another program keep them as they are, options included; their
        // help is that program's usage, so `help ami` and `ami --help` say the same
        for (String name : List.of("examples", "ami", "test", "bench", "build")) {
            CommandLine sub = cl.getSubcommands().get(name);
            sub.setUnmatchedOptionsArePositionalParams(true).setUnmatchedArgumentsAllowed(true);
        }
        toolUsage(cl.getSubcommands().get("ami"), AmiCommand.usage());
        toolUsage(cl.getSubcommands().get("examples"), ExamplesCommand.usage());
        cl.setParameterExceptionHandler(Main::badUsage);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println(name(line) + ": " + message(e));
            if (Boolean.getBoolean("tinyphone.debug")) e.printStackTrace(line.getErr());
            return FAILED;
        });
        return cl;
    }

    private static void toolUsage(CommandLine sub, String usage) {
        sub.getHelpSectionMap().put("tool", help -> usage);
        sub.setHelpSectionKeys(List.of("tool"));
    }

    /** "tinyphone simulate", the name every message of a command starts with. */
    static String name(CommandLine line) {
        return line.getCommandSpec().qualifiedName(" ");
    }

    /**
     * A wrong command line, in one form for every command: {@code tinyphone simulate: unknown option --bogus} and
     * where the options are told; exit status {@value #USAGE}.
     */
    private static int badUsage(ParameterException ex, String[] args) {
        CommandLine line = ex.getCommandLine();
        PrintWriter err = line.getErr();
        String name = name(line);
        err.println(name + ": " + problem(ex, line));
        err.println(line.getParent() == null ? "./tinyphone --help lists the commands."
                : "./" + name + " --help tells its options.");
        err.flush();
        return USAGE;
    }

    private static String problem(ParameterException ex, CommandLine line) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().get(0);
            String what = first.startsWith("-") ? "unknown option " + first
                    : line.getParent() == null ? "unknown command '" + first + "'" : "unexpected argument '" + first + "'";
            List<String> close = u.getSuggestions();
            return what + (close.isEmpty() ? "" : ": did you mean " + String.join(" or ", close) + "?");
        }
        String m = message(ex);
        Matcher invalid = INVALID_VALUE.matcher(m);
        if (invalid.matches()) return invalid.group(1) + " " + invalid.group(2);
        return m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }

    /** picocli's "Invalid value for option '--hold': 'abc' is not a whole number", to be said shorter. */
    private static final Pattern INVALID_VALUE = Pattern.compile("Invalid value for option '([^']+)': (.*)", Pattern.DOTALL);

    /** A usage error raised by a command's own checks (a value out of range, a file that is not there). */
    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : m;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tinyphone " + Version.get(), "Java " + Runtime.version()};
        }
    }

    static List<String> orEmpty(List<String> args) {
        return args == null ? List.of() : args;
    }

    /** A command the launcher runs itself; reached only when this class is run without the launcher. */
    @Command
    static final class LauncherCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandSpec spec;

        @CommandLine.Parameters(arity = "0..*", paramLabel = "ARGS")
        List<String> args;

        @Override
        public Integer call() {
            String name = spec.name();
            System.err.printf(Locale.ROOT, "tinyphone %s: the ./tinyphone launcher runs this command (Maven, the "
                    + "benchmark jar), not the server's jar: ./tinyphone %s%n", name, name);
            return USAGE;
        }
    }
}
