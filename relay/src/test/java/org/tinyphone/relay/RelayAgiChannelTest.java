package org.tinyphone.relay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.StreamAgiChannel;

/**
 * The server's view: the real relay process, a {@link RelaySession}, and the agi module's
 * {@link StreamAgiChannel} on top, exactly as the server uses them; the test plays Asterisk.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RelayAgiChannelTest {

    @TempDir
    Path tmp;

    @Test
    void anAgiChannelRunsOverTheRelayAndSeesTheHangup() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(30_000);
            Path classes = Path.of(RelayMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", classes.toString(), RelayMain.class.getName());
            pb.environment().put("TINYPHONE_RELAY", "127.0.0.1:" + server.getLocalPort());
            pb.environment().put("TINYPHONE_AUDIO_FD", "none");
            pb.redirectError(tmp.resolve("stderr.txt").toFile());
            Process relay = pb.start();
            try {
                OutputStream asteriskWrites = relay.getOutputStream();
                InputStream asteriskReads = relay.getInputStream();
                asteriskWrites.write(("agi_request: /opt/tinyphone/bin/tinyphone-agi\nagi_channel: PJSIP/100-00000007\n"
                        + "agi_uniqueid: 1795447226.35\nagi_callerid: 15550001111\nagi_calleridname: Carol\n"
                        + "agi_dnid: 13605162099\nagi_enhanced: 1.0\nagi_arg_1: hello tinyphone\n\n").getBytes(UTF_8));
                asteriskWrites.flush();

                Socket socket = server.accept();
                BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
                assertThat(RelayProtocol.acceptGreeting(in)).isTrue();
                List<String> events = new CopyOnWriteArrayList<>();
                RelaySession session = RelaySession.open(socket, in, new RelayListener() {
                    @Override
                    public void hangup() {
                        events.add("hangup");
                    }

                    @Override
                    public void ended(String reason) {
                        events.add("ended: " + reason);
                    }
                });
                StreamAgiChannel channel = StreamAgiChannel.open(session.agiInput(), session.agiOutput());
                assertThat(channel.environment().callerId()).isEqualTo("15550001111");
                assertThat(channel.environment().callerIdName()).isEqualTo("Carol");
                assertThat(channel.environment().dnid()).isEqualTo("13605162099");
                assertThat(channel.environment().enhanced()).isTrue();
                assertThat(channel.environment().args()).containsExactly("hello tinyphone");

                // Asterisk's side: answer each command as it comes
                CompletableFuture<List<String>> asterisk = CompletableFuture.supplyAsync(() -> {
                    List<String> commands = new ArrayList<>();
                    try {
                        String cmd;
                        while ((cmd = readLine(asteriskReads)) != null) {
                            commands.add(cmd);
                            if (cmd.startsWith("WAIT FOR DIGIT")) {
                                // the caller hangs up during the wait: SIGHUP, then the wait fails
                                assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(relay.pid())).start()
                                        .waitFor()).isZero();
                                await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("hangup"));
                                asteriskWrites.write("200 result=-1\n".getBytes(UTF_8));
                            } else {
                                asteriskWrites.write("200 result=0\n".getBytes(UTF_8));
                            }
                            asteriskWrites.flush();
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                    return commands;
                });

                assertThat(channel.send("ANSWER").isSuccess()).isTrue();
                // the HANGUP line the session inserted on SIGHUP reaches the channel as FastAGI's would
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> channel.send("WAIT FOR DIGIT -1"))
                        .isInstanceOf(AgiHangupException.class);
                assertThat(channel.isHungUp()).isTrue();
                assertThat(channel.send("NOOP").isSuccess()).isTrue(); // dead-channel-safe, as in 04b

                session.close();
                assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(relay.exitValue()).isZero();
                assertThat(asterisk.get(30, TimeUnit.SECONDS)).containsExactly("ANSWER", "WAIT FOR DIGIT -1", "NOOP");
                assertThat(events).containsExactly("hangup", "ended: server ended the call");
            } finally {
                relay.destroyForcibly();
            }
        }
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') b.write(c);
        return c < 0 && b.size() == 0 ? null : b.toString(UTF_8);
    }
}
