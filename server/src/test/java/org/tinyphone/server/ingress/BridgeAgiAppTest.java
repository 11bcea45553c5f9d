package org.tinyphone.server.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.StreamAgiChannel;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.server.bridge.Subscriber;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.agi.AgiPeer;
import org.tinyphone.sim.agi.FastAgiEnvironment;

/** The bridge app: how it reads a call from Asterisk's AGI environment, and its loop line by line. */
class BridgeAgiAppTest {

    @Test
    void theCapturedFastAgiEnvironmentGivesCallerDialedNumberAndArgs() throws Exception {
        // capture 01: AGI(agi://127.0.0.1:4573/path?x=1&y=2,arg one,arg2) with CALLERID(dnid) and the caller set
        AgiEnvironment env = AgiEnvironment.parse(Transcript.load("01-fastagi-environment.txt")
                .lines(Transcript.Dir.ASTERISK));
        CallInfo info = BridgeAgiApp.callInfo(env, "fastagi");
        assertThat(info.callId()).isEqualTo("1795446921.1");
        assertThat(info.callerId()).isEqualTo("15550001111");
        assertThat(info.callerName()).isEqualTo("Carol");
        assertThat(info.dnid()).isEqualTo("13605162099");
        assertThat(info.args()).containsExactly("arg one", "arg2");
        assertThat(info.channel()).isEqualTo("Local/env@agi-test-00000000;2");
        assertThat(info.via()).isEqualTo("fastagi");
    }

    @Test
    void withoutADnidTheExtensionIsTheNumberAndANumberParameterWinsOverBoth() {
        AgiEnvironment noDnid = AgiEnvironment.parse("""
                agi_network: yes
                agi_network_script: tinyphone
                agi_request: agi://127.0.0.1:4573/tinyphone
                agi_channel: PJSIP/provider-00000007
                agi_uniqueid: 1795447015.5
                agi_callerid: unknown
                agi_calleridname: unknown
                agi_dnid: unknown
                agi_extension: 700

                """);
        CallInfo info = BridgeAgiApp.callInfo(noDnid, "fastagi");
        assertThat(info.dnid()).isEqualTo("700");
        assertThat(info.callerId()).isEmpty();
        assertThat(info.callerName()).isEmpty();

        AgiEnvironment withParameter = AgiEnvironment.parse("""
                agi_network: yes
                agi_network_script: tinyphone?number=13605162099
                agi_request: agi://127.0.0.1:4573/tinyphone?number=13605162099
                agi_uniqueid: 1795447015.6
                agi_dnid: 18005550100
                agi_extension: s

                """);
        assertThat(BridgeAgiApp.callInfo(withParameter, "fastagi").dnid()).isEqualTo("13605162099");
    }

    /**
     * The bridge's own AGI loop, line by line: given these lines from Asterisk, the bridge app sends these, and the
     * call's subscribers see these events. Asterisk's replies are the forms capture 02 and 03 recorded from Asterisk
     * 22 ({@link #reply}), not hand-typed ones.
     */
    @Nested
    class Loop {
        private static final Transcript COMMANDS = Transcript.load("02-fastagi-commands.txt");
        private static final Transcript HANGUP_DURING_COMMAND = Transcript.load("03d-fastagi-hangup-during-command.txt");
        private static final Transcript HANGUP_COMMAND = Transcript.load("03e-fastagi-hangup-command.txt");
        private static final String WAIT = "WAIT FOR DIGIT " + BridgeAgiApp.WAIT_MILLIS;
        private static final String ALL_KEYS = "\"" + BridgeAgiApp.ALL_KEYS + "\"";

        private final Bridge bridge = new Bridge();
        private final Recorder seen = new Recorder();
        private ServerSocket listener;
        private AgiPeer asterisk;
        private CompletableFuture<Void> app;

        /** What the subscribers of the call's number were told, in order. */
        static final class Recorder implements Subscriber {
            final List<CallEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();

            @Override public void onSnapshot(String number, List<org.tinyphone.server.bridge.CallState> calls) { }

            @Override public void onEvent(CallEvent event) { events.add(event); }

            List<String> said() {
                return events.stream().map(e -> switch (e) {
                    case CallEvent.NewCaller n -> "new_caller " + n.info().callerId() + " " + n.info().dnid() + " via " + n.info().via();
                    case CallEvent.Keypress k -> "keypress " + k.digit();
                    case CallEvent.Hangup h -> "hangup " + h.cause();
                    default -> e.type();
                }).toList();
            }
        }

        /** The reply Asterisk gave to {@code command} in {@code capture}: the first line it sent after the command. */
        static String reply(Transcript capture, String command) {
            List<Transcript.Entry> entries = capture.entries();
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i).fromClient() && entries.get(i).text().equals(command)) {
                    for (int j = i + 1; j < entries.size(); j++) {
                        if (entries.get(j).fromAsterisk()) return entries.get(j).text();
                    }
                }
            }
            throw new IllegalArgumentException(capture.name() + " has no reply to " + command);
        }

        @BeforeEach
        void callComesIn() throws IOException {
            bridge.subscribe("100", seen);
            listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            BridgeAgiApp bridgeApp = new BridgeAgiApp(bridge, "fastagi", null);
            app = CompletableFuture.runAsync(() -> {
                try (Socket s = listener.accept()) {
                    bridgeApp.run(StreamAgiChannel.open(s.getInputStream(), s.getOutputStream()));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
            asterisk = AgiPeer.connect("127.0.0.1", listener.getLocalPort(), Duration.ofSeconds(10), null);
            asterisk.sendEnvironment(FastAgiEnvironment.forScript("tinyphone").callerId("15550001111", "Carol").dnid("100")
                    .uniqueId("1795447173.27").lines());
            expect("ANSWER", reply(COMMANDS, "ANSWER"));
        }

        @AfterEach
        void close() throws IOException {
            asterisk.close();
            listener.close();
        }

        /** The bridge app's next line must be {@code line}; Asterisk answers {@code replies}. */
        private void expect(String line, String... replies) throws IOException {
            assertThat(asterisk.readLine()).isEqualTo(line);
            for (String r : replies) asterisk.send(r);
        }

        private Call call() {
            return bridge.calls().iterator().next();
        }

        private void appEnds() throws Exception {
            app.get(10, TimeUnit.SECONDS);
            assertThat(asterisk.readLine()).as("the bridge app closes the connection").isNull();
        }

        @Test
        void betweenTwoWaitsNothingHappensAndAKeyIsAKeypress() throws Exception {
            expect(WAIT, reply(COMMANDS, "WAIT FOR DIGIT 1000"));      // 200 result=0: no key
            expect(WAIT, reply(COMMANDS, "WAIT FOR DIGIT 3000"));      // 200 result=55: '7'
            expect(WAIT, "HANGUP", reply(HANGUP_DURING_COMMAND, "STREAM FILE tt-monkeys \"\"")); // result=-1
            appEnds();
            assertThat(seen.said()).containsExactly("new_caller 15550001111 100 via fastagi", "keypress 7", "hangup caller");
        }

        @Test
        void aCommandSentDuringAWaitRunsRightAfterItAndAKeyItWasNotWaitingForResumesThePromptWhereItStopped() throws Exception {
            assertThat(asterisk.readLine()).isEqualTo(WAIT);
            CompletableFuture<CommandResult> played = call().submit(new CallCommand.Play("hello-world", "#"));
            asterisk.send(reply(COMMANDS, "WAIT FOR DIGIT 1000"));
            // every key interrupts, so none is lost; '5' is not the app's escape digit: reported, and the prompt goes on
            expect("STREAM FILE hello-world " + ALL_KEYS, reply(COMMANDS, "STREAM FILE hello-world \"0123456789*#\""));
            expect("STREAM FILE hello-world " + ALL_KEYS + " 6880", reply(COMMANDS, "STREAM FILE hello-world \"#\""));
            assertThat(played.get(5, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok(""));
            expect(WAIT, "HANGUP", "200 result=-1");
            appEnds();
            assertThat(seen.said()).containsExactly("new_caller 15550001111 100 via fastagi", "keypress 5", "hangup caller");
        }

        @Test
        void commandsRunOneAfterTheOtherInTheOrderTheAppSentThem() throws Exception {
            assertThat(asterisk.readLine()).isEqualTo(WAIT);
            CompletableFuture<CommandResult> said = call().submit(new CallCommand.SayDigits("4567"));
            CompletableFuture<CommandResult> set = call().submit(new CallCommand.SetVariable("SCORE", "12"));
            CompletableFuture<CommandResult> number = call().submit(new CallCommand.SayNumber(1234));
            asterisk.send(reply(COMMANDS, "WAIT FOR DIGIT 1000"));
            expect("SAY DIGITS 4567 " + ALL_KEYS, reply(COMMANDS, "SAY DIGITS 4567 \"\""));
            expect("SET VARIABLE SCORE 12", reply(COMMANDS, "SET VARIABLE MYVAR \"some value\""));
            expect("SAY NUMBER 1234 " + ALL_KEYS, reply(COMMANDS, "SAY NUMBER 1234 \"\""));
            assertThat(List.of(said.get(), set.get(), number.get())).allMatch(CommandResult::ok);
            expect(WAIT, "HANGUP", "200 result=-1");
            appEnds();
        }

        @Test
        void aCommandWaitsForTheReplyToThePreviousOne() throws Exception {
            assertThat(asterisk.readLine()).isEqualTo(WAIT);
            CompletableFuture<CommandResult> set = call().submit(new CallCommand.SetVariable("SCORE", "12"));
            CompletableFuture<CommandResult> said = call().submit(new CallCommand.SayDigits("4567"));
            asterisk.send(reply(COMMANDS, "WAIT FOR DIGIT 1000"));
            assertThat(asterisk.readLine()).isEqualTo("SET VARIABLE SCORE 12");
            // Asterisk has not answered yet: the next command is still waiting, in the queue
            assertThat(set).isNotDone();
            assertThat(said).isNotDone();
            asterisk.send(reply(COMMANDS, "SET VARIABLE MYVAR \"some value\""));
            expect("SAY DIGITS 4567 " + ALL_KEYS, reply(COMMANDS, "SAY DIGITS 4567 \"\""));
            assertThat(List.of(set.get(), said.get())).allMatch(CommandResult::ok);
            expect(WAIT, "HANGUP", "200 result=-1");
            appEnds();
        }

        @Test
        void theCallerHangingUpDuringAPromptFailsTheCommandAndTheCallEndsOnce() throws Exception {
            assertThat(asterisk.readLine()).isEqualTo(WAIT);
            Call call = call();
            CompletableFuture<CommandResult> played = call.submit(new CallCommand.Play("tt-monkeys", ""));
            CompletableFuture<CommandResult> next = call.submit(new CallCommand.SayNumber(7));
            asterisk.send(reply(COMMANDS, "WAIT FOR DIGIT 1000"));
            // Asterisk's reply comes before its HANGUP notice: the app asks the channel's status to tell a hangup
            // from a missing file, and a dead channel answers 511
            expect("STREAM FILE tt-monkeys " + ALL_KEYS, reply(HANGUP_DURING_COMMAND, "STREAM FILE tt-monkeys \"\""));
            expect("CHANNEL STATUS", "HANGUP", reply(Transcript.load("03a-fastagi-hangup-default.txt"), "STREAM FILE beep \"\""));
            appEnds();
            assertThat(played.get(5, TimeUnit.SECONDS).error()).isEqualTo("call hung up during play");
            assertThat(next.get(5, TimeUnit.SECONDS).error()).isEqualTo("call hung up");
            assertThat(seen.said()).containsExactly("new_caller 15550001111 100 via fastagi", "hangup caller");
            assertThat(call.submit(new CallCommand.SayNumber(1)).get().error()).isEqualTo("call has ended");
            assertThat(bridge.calls()).isEmpty();
        }

        @Test
        void aMissingSoundFileFailsOnlyThatCommandAndTheLoopGoesOn() throws Exception {
            assertThat(asterisk.readLine()).isEqualTo(WAIT);
            CompletableFuture<CommandResult> played = call().submit(new CallCommand.Play("no-such-sound-file", ""));
            asterisk.send(reply(COMMANDS, "WAIT FOR DIGIT 1000"));
            expect("STREAM FILE no-such-sound-file " + ALL_KEYS, reply(COMMANDS, "STREAM FILE no-such-sound-file \"#\""));
            expect("CHANNEL STATUS", reply(COMMANDS, "CHANNEL STATUS")); // alive: the file is missing
            assertThat(played.get(5, TimeUnit.SECONDS).error()).isEqualTo("cannot play 'no-such-sound-file' (no such sound file?)");
            expect(WAIT, reply(COMMANDS, "WAIT FOR DIGIT 3000"));
            expect(WAIT, "HANGUP", "200 result=-1");
            appEnds();
            assertThat(seen.said()).containsExactly("new_caller 15550001111 100 via fastagi", "keypress 7", "hangup caller");
        }

        @Test
        void anAppsHangupHangsUpTheChannelAndTheCallEndsWithCauseApp() throws Exception {
            assertThat(asterisk.readLine()).isEqualTo(WAIT);
            CompletableFuture<CommandResult> hungUp = call().submit(new CallCommand.Hangup());
            asterisk.send(reply(COMMANDS, "WAIT FOR DIGIT 1000"));
            expect("HANGUP", reply(HANGUP_COMMAND, "HANGUP"), "HANGUP");
            appEnds();
            assertThat(hungUp.get(5, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok(""));
            assertThat(seen.said()).containsExactly("new_caller 15550001111 100 via fastagi", "hangup app");
        }
    }
}
