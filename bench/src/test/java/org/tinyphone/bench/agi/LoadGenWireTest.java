package org.tinyphone.bench.agi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.bench.harness.Child;

/**
 * Both FastAGI load generators play Asterisk the same way on the wire and count the same outcomes: each is run
 * as its own process against a scripted FastAGI server in this test that records every line it receives.
 */
class LoadGenWireTest {
    private static final List<String> GENERATORS = List.of("agi-loadgen", "agi-loadgen-nio");

    @TempDir
    Path logs;

    /** What a scripted server does with one connection; returns the lines it received. */
    private interface Script {
        List<String> serve(BufferedReader in, OutputStream out) throws IOException;
    }

    /** The bench's call script as asterisk-java runs it (an extra SET VARIABLE after HANGUP), plus a dead-channel EXEC. */
    private static List<String> callScript(BufferedReader in, OutputStream out) throws IOException {
        List<String> got = new ArrayList<>(readEnvironment(in));
        for (String cmd : List.of("ANSWER", "GET VARIABLE \"CALLERID(name)\"", "STREAM FILE hello-world \"\"",
                "STREAM FILE goodbye \"\"", "SAY NUMBER 42 \"\"", "WAIT FOR DIGIT 100", "HANGUP")) {
            got.add("> " + cmd);
            send(out, cmd);
            got.add(in.readLine());
        }
        got.add(in.readLine()); // Asterisk's HANGUP notice
        for (String cmd : List.of("SET VARIABLE AJ_AGISTATUS SUCCESS", "EXEC Playback beep", "NOOP done")) {
            got.add("> " + cmd);
            send(out, cmd);
            got.add(in.readLine());
        }
        return got;
    }

    @Test
    void bothGeneratorsAnswerTheCallScriptIdentically() throws Exception {
        Map<String, List<List<String>>> seen = new java.util.LinkedHashMap<>();
        for (String gen : GENERATORS) {
            try (ScriptedServer server = new ScriptedServer(LoadGenWireTest::callScript)) {
                Map<String, Long> r = run(gen, server.port(), 1);
                assertThat(r.get("calls")).as(gen + " calls").isPositive();
                assertThat(r.get("refused")).as(gen + " refused").isZero();
                assertThat(r.get("errors")).as(gen + " errors").isZero();
                assertThat(r.get("stuck")).as(gen + " stuck").isZero();
                // the 7 commands up to HANGUP are timed, not those after it; one call may straddle each window edge
                long calls = r.get("calls");
                assertThat(r.get("commands")).as(gen + " commands").isBetween(7 * (calls - 1), 7 * (calls + 1));
                seen.put(gen, new ArrayList<>(server.transcripts));
            }
        }
        List<String> first = seen.get("agi-loadgen").getFirst();
        assertThat(first).contains("agi_network: yes", "agi_network_script: call", "agi_uniqueid: 1795446921.1",
                "agi_channel: PJSIP/trunk-00000001", "> ANSWER", "200 result=0", "200 result=1 (Carol)",
                "200 result=0 endpos=6720", "200 result=49", "> HANGUP", "200 result=1", "HANGUP",
                "511 Command Not Permitted on a dead channel or intercept routine");
        assertThat(first.getLast()).isEqualTo("200 result=0");
        assertThat(seen.get("agi-loadgen-nio").getFirst()).isEqualTo(first);
    }

    @Test
    void aServerThatClosesBeforeAnyCommandCountsAsRefused() throws Exception {
        for (String gen : GENERATORS) {
            try (ScriptedServer server = new ScriptedServer((in, out) -> readEnvironment(in))) {
                Map<String, Long> r = run(gen, server.port(), 2);
                assertThat(r.get("refused")).as(gen + " refused").isPositive();
                assertThat(r.get("calls")).as(gen + " calls").isZero();
                assertThat(r.get("errors")).as(gen + " errors").isZero();
                // a refused caller waits 20 ms before its next call: at most ~50 calls per caller per second
                assertThat(server.transcripts.size()).as(gen + " connections").isLessThan(200);
            }
        }
    }

    @Test
    void aServerThatClosesWithoutHangupCountsAsAnError() throws Exception {
        for (String gen : GENERATORS) {
            try (ScriptedServer server = new ScriptedServer((in, out) -> {
                List<String> got = new ArrayList<>(readEnvironment(in));
                send(out, "ANSWER");
                got.add(in.readLine());
                return got;
            })) {
                Map<String, Long> r = run(gen, server.port(), 1);
                assertThat(r.get("errors")).as(gen + " errors").isPositive();
                assertThat(r.get("calls")).as(gen + " calls").isZero();
                assertThat(r.get("refused")).as(gen + " refused").isZero();
            }
        }
    }

    private Map<String, Long> run(String gen, int port, int concurrency) throws IOException {
        try (Child g = Child.startJava(gen, -1, List.of("-Xmx128m"), List.of(gen, Integer.toString(port), "call"), logs)) {
            g.await("READY", Duration.ofSeconds(60));
            g.send("run " + concurrency + " 300 1000");
            g.await("MEASURE_START", Duration.ofSeconds(60));
            g.await("MEASURE_END", Duration.ofSeconds(60));
            Map<String, Long> r = FastAgiCase.parse(g.await("RESULT", Duration.ofSeconds(90)));
            g.send("exit");
            return r;
        }
    }

    private static List<String> readEnvironment(BufferedReader in) throws IOException {
        List<String> env = new ArrayList<>();
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) env.add(line);
        return env;
    }

    private static void send(OutputStream out, String command) throws IOException {
        out.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** A FastAGI server on a loopback port: one platform thread per connection runs the script, then closes. */
    private static final class ScriptedServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        final ConcurrentLinkedQueue<List<String>> transcripts = new ConcurrentLinkedQueue<>();

        ScriptedServer(Script script) throws IOException {
            Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        Thread.ofPlatform().daemon().start(() -> {
                            try (s) {
                                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                        StandardCharsets.US_ASCII));
                                transcripts.add(script.serve(in, s.getOutputStream()));
                            } catch (IOException ignored) {
                                // the generator went away (end of its run)
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() { return socket.getLocalPort(); }

        @Override
        public void close() throws IOException { socket.close(); }
    }
}
