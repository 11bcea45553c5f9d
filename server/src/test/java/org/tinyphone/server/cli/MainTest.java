package org.tinyphone.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.tinyphone.server.ServerStartException;
import org.tinyphone.server.ServerFixture;
import org.tinyphone.server.config.ListenerConfig;

@Isolated("captures System.out")
class MainTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void printConfigShowsEveryEffectiveValueAndItsSource() {
        Run r = run("server", "--print-config", "--set", "http.port=8080");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("http.port=8080", "# command line", "relay.port=12001", "# default",
                "fastagi.bind=127.0.0.1", "asterisk.allow=127.0.0.1,::1");
    }

    @Test
    void aWrongSettingIsAClearError() {
        Run r = run("server", "--print-config", "--set", "http.prot=1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tinyphone server: unknown config key 'http.prot' (command line): did you mean "
                + "'http.port'? Every key is listed in docs/config.md and by --print-config.\n");
    }

    /** The command names of the README's Commands table, in its order. */
    static List<String> readmeCommands() throws Exception {
        String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        String table = readme.substring(readme.indexOf("## Commands"), readme.indexOf("## Modules"));
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `\\./tinyphone ([a-z]+)").matcher(table);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /** The command names the top-level --help lists. */
    static List<String> helpCommands(String help) {
        String commands = help.substring(help.indexOf("Commands:"));
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^  ([a-z]+) ").matcher(commands);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    @Test
    void helpListsEveryCommandOfTheReadmeAndTheLauncherRunsThoseTheJarDoesNot() throws Exception {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        List<String> listed = helpCommands(r.out());
        assertThat(readmeCommands()).hasSizeGreaterThanOrEqualTo(7).allSatisfy(c -> assertThat(listed).contains(c));
        assertThat(listed).contains("server", "demo", "simulate", "examples", "ami", "test", "bench", "fuzz", "build", "help");
        assertThat(run("help").out()).isEqualTo(r.out());
        // the launcher's own commands: each has its branch in the launcher script, and the jar says where to run it
        String launcher = Files.readString(Path.of("../tinyphone"), StandardCharsets.UTF_8);
        for (String c : Main.LAUNCHER_COMMANDS.keySet()) {
            assertThat(launcher).as(c).containsPattern("(?m)^  " + c + "\\)");
            Run direct = run(c);
            assertThat(direct.code()).isEqualTo(2);
            assertThat(direct.err()).startsWith("tinyphone " + c + ": the ./tinyphone launcher runs this command");
        }
    }

    @Test
    void everyWrongCommandLineSaysWhatIsWrongInOneFormAndExits2() {
        Run unknown = run("bogus");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("tinyphone: unknown command 'bogus'\n./tinyphone --help lists the commands.\n");

        // an unknown option is named as such, even when --to is missing too
        Run bogus = run("simulate", "--bogus");
        assertThat(bogus.code()).isEqualTo(2);
        assertThat(bogus.err()).isEqualTo("tinyphone simulate: unknown option --bogus\n./tinyphone simulate --help tells its options.\n");
        assertThat(run("simulate", "--holdd", "3").err()).startsWith("tinyphone simulate: unknown option --holdd: did you mean ")
                .contains("--hold");
        assertThat(run("simulate").err()).startsWith("tinyphone simulate: --to is missing: the dialed number");

        Run negative = run("simulate", "--to", "1", "--calls", "-3");
        assertThat(negative.code()).isEqualTo(2);
        assertThat(negative.err()).startsWith("tinyphone simulate: --calls -3: give 1 to 10000\n");
        assertThat(negative.out()).isEmpty(); // no call was placed

        Run hold = run("simulate", "--to", "1", "--hold", "abc");
        assertThat(hold.code()).isEqualTo(2);
        assertThat(hold.err()).startsWith("tinyphone simulate: --hold 'abc' is not a whole number\n");

        Run audio = run("simulate", "--to", "1", "--via", "relay", "--audio", "/nonexistent.wav");
        assertThat(audio.code()).isEqualTo(2);
        assertThat(audio.err()).startsWith("tinyphone simulate: --audio /nonexistent.wav: no such file (give a 16-bit PCM "
                + "WAV file, 'tone' or 'silence')\n");

        assertThat(run("simulate", "--to", "1", "--via", "sip").err()).startsWith("tinyphone simulate: --via 'sip': use "
                + "fastagi, relay, legacy, audiosocket or ari");
        assertThat(run("simulate", "--to", "1", "--keys", "12a").err()).startsWith("tinyphone simulate: --keys '12a': keys are 0-9, * and #");
        assertThat(run("simulate", "--to", "1", "--port", "70000").err()).startsWith("tinyphone simulate: --port 70000: give 1 to 65535");
        assertThat(run("demo", "--every", "0").err()).startsWith("tinyphone demo: --every 0: give 1 to 3600 seconds");
        assertThat(run("server", "--nope").err()).startsWith("tinyphone server: unknown option --nope");
    }

    @Test
    void amiSaysTinyphoneAmiLikeEveryOtherCommandAndItsHelpIsTheSameBothWays() {
        Run help = run("ami", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).startsWith("usage: tinyphone ami [--host 127.0.0.1]");
        assertThat(run("help", "ami").out()).isEqualTo(help.out());
        Run bogus = run("ami", "--bogus");
        assertThat(bogus.code()).isEqualTo(2);
        assertThat(bogus.err()).isEqualTo("tinyphone ami: unknown option --bogus\n./tinyphone ami --help tells its options.\n");
        assertThat(run("ami", "--port", "x", "Action: Ping").err()).startsWith("tinyphone ami: --port 'x': give a port, 1 to 65535");
        Run examples = run("examples", "--help");
        assertThat(run("help", "examples").out()).isEqualTo(examples.out());
        assertThat(examples.out()).startsWith("usage: tinyphone examples [--bind")
                .contains("usage: tinyphone examples streams [--bind", "usage: tinyphone examples ami NAME");
        Run streams = run("examples", "streams", "--bogus");
        assertThat(streams.code()).isEqualTo(2);
        assertThat(streams.err()).isEqualTo("tinyphone examples streams: unknown argument: --bogus\n"
                + "./tinyphone examples streams --help tells its options.\n");
        Run noSuch = run("examples", "ami", "nosuch");
        assertThat(noSuch.code()).isEqualTo(2);
        assertThat(noSuch.err()).startsWith("tinyphone examples ami: no example 'nosuch': amiwatch, chanwatch, dtmf, ivr, orighello");
    }

    @Test
    void theLaunchersOwnCommandsAnswerHelpAtOnceWithoutBuilding() throws Exception {
        for (String c : List.of("bench", "test", "fuzz", "build")) {
            Process p = new ProcessBuilder("bash", "../tinyphone", c, "--help").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).startsWith("usage: tinyphone " + c).doesNotContain("building");
        }
        // bench --help prints the bench's own usage, the one BenchMain prints
        assertThat(launcher(Map.of(), "bench", "-h"))
                .isEqualTo("exit 0\n" + Files.readString(Path.of("../bench/src/main/resources/org/tinyphone/bench/usage.txt")))
                .contains("ami", "fastagi", "memory", "bridge", "relay", "all", "--quick");
        // `help COMMAND` says the same as `COMMAND --help`, for these too
        for (String c : List.of("bench", "test", "fuzz", "build")) {
            assertThat(launcher(Map.of(), "help", c)).as(c).isEqualTo(launcher(Map.of(), c, "--help"));
        }
    }

    /** What {@code ./tinyphone ARGS} prints (stdout and stderr), with these environment variables added. */
    private static String launcher(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "../tinyphone"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return "exit " + p.waitFor() + "\n" + out;
    }

    @Test
    void theLauncherPassesMavensOutputOnWithoutItsBareColourResetsAndKeepsItsExitStatus(@TempDir Path dir)
            throws Exception {
        // Maven 3.8 in batch mode, colour off, still writes ESC[0m twice at its start and at its end: this one does
        // just that, so the launcher's handling of Maven's output is seen without a Maven run inside the test run
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, """
                #!/bin/sh
                printf '\033[0m\033[0m[INFO] Scanning for projects...\n'
                printf '[INFO] args: %s\n' "$*"
                printf '[ERROR] Tests run: 3, Failures: 1\n' >&2
                printf '\033[0m\033[0m'
                exit "${FAKE_MVN_EXIT:-0}"
                """);
        assertThat(mvn.toFile().setExecutable(true)).isTrue();
        Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"), "JAVA_HOME", System.getProperty("java.home"));
        assertThat(launcher(env, "test", "-pl", "net")).isEqualTo("exit 0\n[INFO] Scanning for projects...\n"
                + "[INFO] args: -B -ntp -Dstyle.color=never verify -pl net\n[ERROR] Tests run: 3, Failures: 1\n");
        Map<String, String> failing = new java.util.HashMap<>(env);
        failing.put("FAKE_MVN_EXIT", "1");
        assertThat(launcher(failing, "test")).startsWith("exit 1\n").doesNotContain("\u001b");
    }

    @Test
    void amiAndExamplesGetTheirOptionsAsGiven() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Run r = run("ami", "--host", "127.0.0.1", "--port", String.valueOf(closed), "--user", "u", "--secret", "s",
                "Action: Ping");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("127.0.0.1:" + closed);
        Run help = run("examples", "--help");
        assertThat(help.out() + help.err()).contains("--port");
    }

    @Test
    void everyPortInUseIsReportedAtOnceBeforeAnyIsBoundInOneWording() throws Exception {
        try (ServerSocket relay = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket http = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket sms = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> settings = Map.of("relay.enabled", "true", "relay.port", String.valueOf(relay.getLocalPort()),
                    "http.port", String.valueOf(http.getLocalPort()), "sms.port", String.valueOf(sms.getLocalPort()),
                    "fastagi.enabled", "true");
            try {
                ServerFixture.start(settings).close();
                throw new AssertionError("started on busy ports");
            } catch (ServerStartException e) {
                assertThat(e.getMessage()).isEqualTo("cannot listen on 3 ports:\n"
                        + "  127.0.0.1:" + relay.getLocalPort() + " (config keys relay.bind/relay.port): port "
                        + relay.getLocalPort() + " is in use by another program; choose another port with relay.port (env "
                        + "TINYPHONE_RELAY_PORT) or turn it off with relay.enabled=false\n"
                        + "  127.0.0.1:" + http.getLocalPort() + " (config keys http.bind/http.port): port "
                        + http.getLocalPort() + " is in use by another program; choose another port with http.port (env "
                        + "TINYPHONE_HTTP_PORT) or turn it off with http.enabled=false\n"
                        + "  127.0.0.1:" + sms.getLocalPort() + " (config keys sms.bind/sms.port): port "
                        + sms.getLocalPort() + " is in use by another program; choose another port with sms.port (env "
                        + "TINYPHONE_SMS_PORT) or turn it off with sms.enabled=false");
            }
        }
    }

    @Test
    void twoListenersOfOneConfigOnOnePortAreAConflictToo() {
        try {
            ServerFixture.start(Map.of("http.port", "47123", "clients.port", "47123")).close();
            throw new AssertionError("started two listeners on one port");
        } catch (ServerStartException e) {
            assertThat(e.getMessage()).isEqualTo("cannot listen on 127.0.0.1:47123 (config keys http.bind/http.port): "
                    + "clients.port is 47123 too; choose another port with http.port (env TINYPHONE_HTTP_PORT) or turn "
                    + "it off with http.enabled=false");
        }
    }

    @Test
    void aBindErrorWrappedByAListenersLibraryReadsAsThePlainOne() {
        ListenerConfig relay = new ListenerConfig("relay", true, "127.0.0.1", 12001);
        IOException wrapped = new IOException("relay: cannot listen on 127.0.0.1:12001: Address already in use",
                new BindException("Address already in use"));
        assertThat(ServerStartException.cannotListen(relay, wrapped).getMessage()).isEqualTo(
                ServerStartException.cannotListen(relay, new BindException("Address already in use")).getMessage())
                .contains("port 12001 is in use by another program");
    }

    @Test
    void theStartUpLogShowsEveryListenerAsHostColonPort() {
        Map<String, String> all = new java.util.HashMap<>();
        for (String l : org.tinyphone.server.config.TinyphoneConfig.LISTENERS) {
            all.putAll(Map.of(l + ".enabled", "true", l + ".bind", "127.0.0.1", l + ".port", "0"));
        }
        try (org.tinyphone.server.LogCapture log = org.tinyphone.server.LogCapture.begin();
             org.tinyphone.server.TinyphoneServer server = org.tinyphone.server.TinyphoneServer.start(
                     org.tinyphone.server.config.TinyphoneConfig.defaults().with(all))) {
            List<String> listening = log.lines().stream()
                    .filter(l -> l.matches("INFO \\S+ - .*(listening on|clients on|webhook on|WebSocket on|listener on) .*")).toList();
            // one line per listener, each "127.0.0.1:PORT", never InetSocketAddress's "/127.0.0.1:PORT"
            assertThat(listening).as(String.join("\n", log.lines())).hasSize(org.tinyphone.server.config.TinyphoneConfig.LISTENERS.size())
                    .allSatisfy(l -> assertThat(l).containsPattern(" on (ws://)?127\\.0\\.0\\.1:[1-9][0-9]*\\b").doesNotContain("on /"));
        }
    }

    @Test
    void aPortInUseNamesThePortAndTheConfigKey() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            try {
                ServerFixture.start(Map.of("clients.port", String.valueOf(port))).close();
                throw new AssertionError("started on a busy port");
            } catch (ServerStartException e) {
                assertThat(e.getMessage()).contains("127.0.0.1:" + port, "clients.port", "in use",
                        "TINYPHONE_CLIENTS_PORT", "clients.enabled=false");
            }
            try {
                ServerFixture.start(Map.of("http.port", String.valueOf(port))).close();
                throw new AssertionError("started on a busy port");
            } catch (ServerStartException e) {
                assertThat(e.getMessage()).contains(":" + port, "http.port");
            }
        }
    }
}
