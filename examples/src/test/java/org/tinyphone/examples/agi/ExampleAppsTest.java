package org.tinyphone.examples.agi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.agi.fastagi.FastAgiServer;
import org.tinyphone.examples.ExamplesServer;
import org.tinyphone.sim.agi.SimulatedAgiCall;

/** Each example app through the real FastAGI server, called by the simulated Asterisk. */
@Timeout(60)
class ExampleAppsTest {
    private FastAgiServer server;
    private final AtomicLong nextNumber = new AtomicLong(42);

    @BeforeEach
    void start() throws IOException {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneId.of("UTC"));
        server = FastAgiServer.builder().port(0)
                .route("/hello", new HelloApp())
                .route("/datetime", new DateTimeApp(clock))
                .route("/callerid-lookup", new CallerIdLookupApp())
                .route("/ivr", new IvrApp(nextNumber::getAndIncrement))
                .start();
    }

    @AfterEach
    void stop() { server.close(Duration.ofSeconds(2)); }

    private SimulatedAgiCall call(String script) {
        return SimulatedAgiCall.to("127.0.0.1", server.port(), script).readTimeout(Duration.ofSeconds(20));
    }

    @Test
    void helloSkipsTheMonkeysWithHash() throws IOException {
        SimulatedAgiCall.Result r = call("hello").pressDuring("tt-monkeys", '#').run();
        assertThat(r.commands()).containsExactly("ANSWER", "STREAM FILE hello-world \"\"", "STREAM FILE tt-monkeys \"#\"",
                "STREAM FILE goodbye \"\"", "HANGUP");
        assertThat(r.wire()).extracting(Object::toString).containsSubsequence(">> STREAM FILE tt-monkeys \"#\"",
                "<< 200 result=35 endpos=6880");
        assertThat(r.agiStatus()).isEqualTo("HANGUP");
    }

    @Test
    void helloWhenTheCallerHangsUpDuringTheMonkeys() throws IOException {
        SimulatedAgiCall.Result r = call("hello").hangupDuring("tt-monkeys").run();
        assertThat(r.commands()).containsExactly("ANSWER", "STREAM FILE hello-world \"\"", "STREAM FILE tt-monkeys \"#\"",
                "STREAM FILE goodbye \"\"");
        assertThat(r.appClosed()).isTrue();
    }

    @Test
    void datetimeSaysTheTimeInTheRequestedZone() throws IOException {
        assertThat(call("datetime?tz=Europe/Berlin").run().commands()).containsExactly("ANSWER",
                "SAY DATETIME 1700000000 \"#\" \"ABdY 'digits/at' IMp\" Europe/Berlin", "HANGUP");
        assertThat(call("datetime").run().commandsStartingWith("SAY DATETIME"))
                .containsExactly("SAY DATETIME 1700000000 \"#\" \"ABdY 'digits/at' IMp\" UTC");
        SimulatedAgiCall.Result bad = call("datetime?tz=Mars/Olympus").run();
        assertThat(bad.verbose()).singleElement().asString().contains("unknown time zone Mars/Olympus");
        assertThat(bad.commandsStartingWith("SAY DATETIME")).singleElement().asString().endsWith(" UTC");
    }

    @Test
    void calleridLookupSubstitutesTheNameFromTheTable() throws IOException {
        SimulatedAgiCall.Result r = call("callerid-lookup").callerId("15550001111", "CAROL J MOBILE").run();
        assertThat(r.commands()).startsWith("SET CALLERID \"\\\"Carol Jones\\\" <15550001111>\"");
        assertThat(r.variables()).containsEntry("CALLERID(name)", "Carol Jones").containsEntry("CALLERID(num)", "15550001111")
                .containsEntry("CALLERID_LOOKUP", "found");
        assertThat(r.agiStatus()).isEqualTo("SUCCESS"); // the dialplan goes on to Dial()
        assertThat(r.commandsStartingWith("ANSWER")).isEmpty();
    }

    @Test
    void calleridLookupLeavesUnknownNumbersAlone() throws IOException {
        SimulatedAgiCall.Result r = call("callerid-lookup").callerId("15559999999", "Somebody").run();
        assertThat(r.commandsStartingWith("SET CALLERID")).isEmpty();
        assertThat(r.variables()).containsEntry("CALLERID_LOOKUP", "not-found");
        assertThat(call("callerid-lookup").run().verbose()).singleElement().asString().contains("no caller id");
    }

    @Test
    void calleridTableMatchesByDigits() {
        CallerIdLookupApp app = new CallerIdLookupApp();
        assertThat(app.lookup("+1 (555) 000-2222")).isEqualTo("Dave Smith");
        assertThat(app.lookup("0000")).isNull();
    }

    @Test
    void ivrPasscodeThenHearANumberThenHangUp() throws IOException {
        SimulatedAgiCall.Result full = call("ivr").keys("1234" + "1").run();
        assertThat(full.commands()).startsWith(
                "ANSWER",
                "GET DATA agent-pass 5000 4",
                "STREAM FILE auth-thankyou \"\"",
                "STREAM FILE vm-press \"12\"",                 // "press" - the caller presses 1 during it
                "SAY NUMBER 42 \"12\"");
        // 2 pressed while the number is said hangs up at once
        SimulatedAgiCall.Result quick = call("ivr").keys("1234" + "1" + "2").run();
        assertThat(quick.commands()).containsExactly("ANSWER", "GET DATA agent-pass 5000 4", "STREAM FILE auth-thankyou \"\"",
                "STREAM FILE vm-press \"12\"", "SAY NUMBER 43 \"12\"", "STREAM FILE vm-goodbye \"\"", "HANGUP");
        assertThat(quick.agiStatus()).isEqualTo("HANGUP");
    }

    @Test
    void ivrEndsAfterItsMaximumRoundsEvenIfTheCallerKeepsPressingOne() throws IOException {
        SimulatedAgiCall.Result r = call("ivr").keys("1234").pressDuring("vm-press", '1').maxCommands(500).run();
        assertThat(r.error()).isNull();
        assertThat(r.commandsStartingWith("SAY NUMBER")).hasSize(IvrApp.MAX_ROUNDS);
        assertThat(r.commands()).endsWith("STREAM FILE vm-goodbye \"\"", "HANGUP");
    }

    @Test
    void ivrWrongPasscodeThreeTimesHangsUp() throws IOException {
        SimulatedAgiCall.Result r = call("ivr").keys("0000" + "1111" + "2222").run();
        assertThat(r.commandsStartingWith("GET DATA")).hasSize(3);
        assertThat(r.commandsStartingWith("STREAM FILE auth-incorrect")).hasSize(3);
        assertThat(r.commands()).endsWith("STREAM FILE vm-goodbye \"\"", "HANGUP");
        assertThat(r.commandsStartingWith("SAY NUMBER")).isEmpty();
    }

    @Test
    void ivrPasscodeFromTheDialplanArgumentAndSilenceEndsTheCall() throws IOException {
        SimulatedAgiCall.Result r = call("ivr").args("4321").keys("4321").run();
        assertThat(r.commands()).contains("STREAM FILE auth-thankyou \"\"");
        assertThat(r.commandsStartingWith("WAIT FOR DIGIT 5000")).hasSize(2); // two silent menus, then goodbye
        assertThat(r.commands()).endsWith("STREAM FILE vm-goodbye \"\"", "HANGUP");
    }

    @Test
    void everyExamplePathIsRegisteredOnTheExamplesServer() throws IOException {
        try (FastAgiServer examples = ExamplesServer.start("127.0.0.1", 0)) {
            for (String path : ExamplesServer.PATHS) {
                SimulatedAgiCall.Result r = SimulatedAgiCall.to("127.0.0.1", examples.port(), path)
                        .callerId("15550003333", "x").keys("1234#2").readTimeout(Duration.ofSeconds(20)).run();
                assertThat(r.verbose()).as(path).noneMatch(v -> v.contains("no app for path"));
                assertThat(r.error()).as(path).isNull();
            }
        }
    }
}
