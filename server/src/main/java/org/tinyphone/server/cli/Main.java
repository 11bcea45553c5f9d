package org.tinyphone.server.cli;

import java.util.List;
import org.tinyphone.server.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ./tinyphone} command line. */
@Command(name = "tinyphone", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Tinyphone: live call events from Asterisk to apps, by dialed number, both ways.",
        subcommands = {ServerCommand.class, DemoCommand.class, SimulateCommand.class, ExamplesCommand.class,
                AmiCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // commands that hand their arguments to another program's main keep them as they are, options included
        for (String name : List.of("examples", "ami")) {
            cl.getSubcommands().get(name).setUnmatchedOptionsArePositionalParams(true).setUnmatchedArgumentsAllowed(true);
        }
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("tinyphone: " + message(e));
            if (Boolean.getBoolean("tinyphone.debug")) e.printStackTrace(line.getErr());
            return 2;
        });
        return cl;
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
}
