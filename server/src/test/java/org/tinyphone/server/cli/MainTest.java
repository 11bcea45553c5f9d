package org.tinyphone.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.tinyphone.server.ServerStartException;
import org.tinyphone.server.ServerFixture;

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
    void print_config_shows_every_effective_value_and_its_source() {
        Run r = run("server", "--print-config", "--set", "http.port=8080");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("http.port=8080", "# command line", "relay.port=12001", "# default",
                "fastagi.bind=127.0.0.1", "asterisk.allow=127.0.0.1,::1");
    }

    @Test
    void a_wrong_setting_is_a_clear_error() {
        Run r = run("server", "--print-config", "--set", "http.prot=1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown config key 'http.prot'", "did you mean 'http.port'?");
    }

    @Test
    void help_lists_the_commands() {
        Run r = run("help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("server", "demo", "simulate", "examples", "ami");
    }

    @Test
    void ami_and_examples_get_their_options_as_given() throws Exception {
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
    void a_port_in_use_names_the_port_and_the_config_key() throws Exception {
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
