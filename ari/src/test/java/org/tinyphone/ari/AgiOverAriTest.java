package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiChannel;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.DigitResult;
import org.tinyphone.agi.InputResult;
import org.tinyphone.agi.RecordResult;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.ari.SimulatedAriCall;

/**
 * AGI apps run over ARI unchanged (AgiOverAri), through the simulated ARI Asterisk on real sockets: each typed AGI
 * command becomes the REST requests and event waits this test asserts, with AGI's results and hangup rules.
 */
@Timeout(60)
class AgiOverAriTest {
    private SimulatedAriAsterisk sim;
    private AriClient ari;
    private final Map<String, AgiApp> apps = new ConcurrentHashMap<>();
    private final List<Object> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        sim = SimulatedAriAsterisk.builder().user("lab", "labsecret").secondMillis(50)
                .playbackMillis(m -> m.contains("monkeys") ? 3000 : 20).start();   // tt-monkeys is long, as the real one (16 s)
        ari = AriClient.builder().url(sim.url()).credentials("lab", "labsecret")
                .app("agi", AgiOverAri.app(ch -> apps.get(ch.environment().args().get(0)).run(ch))).build();
        ari.connect(Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        ari.close();
        sim.close();
    }

    /** Places a call running {@code app}; the caller is scripted by {@code caller}. */
    private SimulatedAriCall.Result call(AgiApp app, java.util.function.UnaryOperator<SimulatedAriCall> caller) throws InterruptedException {
        String key = "app" + apps.size();
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        apps.put(key, ch -> {
            try {
                app.run(ch);
            } finally {
                ran.countDown();
            }
        });
        SimulatedAriCall.Result r = caller.apply(sim.call("agi").args(key, "x")).place().await(Duration.ofSeconds(20));
        assertThat(ran.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the app returned").isTrue();
        return r;
    }

    @Test
    void environmentIsBuiltFromTheStasisStartAndTheDialedNumber() throws Exception {
        SimulatedAriCall.Result r = call(ch -> seen.add(ch.environment()), c -> c.callerId("15550001111", "Carol").dnid("13605162099"));
        var env = (org.tinyphone.agi.AgiEnvironment) seen.get(0);
        assertThat(env.callerId()).isEqualTo("15550001111");
        assertThat(env.callerIdName()).isEqualTo("Carol");
        assertThat(env.dnid()).isEqualTo("13605162099");
        assertThat(env.channel()).isEqualTo(r.requests().isEmpty() ? env.channel() : env.channel());
        assertThat(env.channel()).startsWith("Local/ari@tp-ari-");
        assertThat(env.uniqueId()).isEqualTo(r.channelId());
        assertThat(env.args()).containsExactly(env.args().get(0), "x");
        assertThat(env.scriptPath()).isEqualTo("/agi");
        assertThat(env.request()).isEqualTo("stasis:agi");
        assertThat(env.version()).isEqualTo("22.10.1");
        assertThat(env.context()).isEqualTo("tp-ari");
        assertThat(r.outcome()).isEqualTo("continued");   // the app returned: the dialplan goes on
    }

    @Test
    void escapeDigitStopsThePlaybackAndIsTheResultOtherKeysAreIgnored() throws Exception {
        SimulatedAriCall.Result r = call(ch -> {
            seen.add(ch.streamFile("tt-monkeys", "#"));
            seen.add(ch.streamFile("hello-world", ""));
        }, c -> c.pressDuring("tt-monkeys", '#').pressDuring("hello-world", '5'));
        DigitResult monkeys = (DigitResult) seen.get(0);
        assertThat(monkeys.pressed()).isTrue();
        assertThat(monkeys.digit()).isEqualTo('#');
        assertThat(((DigitResult) seen.get(1)).none()).isTrue();   // 5 is no escape digit: it played to the end
        assertThat(r.requests()).anyMatch(q -> q.startsWith("DELETE playbacks/"));   // the monkeys were stopped
        assertThat(r.played()).containsExactly("sound:tt-monkeys", "sound:hello-world");
    }

    @Test
    void keysPressedBetweenCommandsAreKeptForTheNextCommandThatReadsKeys() throws Exception {
        java.util.concurrent.CountDownLatch pressed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        apps.put("between", ch -> {
            try {
                ch.answer();
                pressed.await();   // no command runs while the caller presses 7, then 1
                seen.add(ch.waitForDigit(1000));
                seen.add(ch.streamFile("vm-press", "12"));
            } finally {
                ran.countDown();
            }
        });
        SimulatedAriCall c = sim.call("agi").args("between", "x").giveUpAfter(Duration.ofMinutes(1)).place();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> c.requestsSoFar().stream().anyMatch(q -> q.endsWith("/answer")));
        c.press('7');
        c.press('1');
        Thread.sleep(200);   // both events are in (the app reads none meanwhile)
        pressed.countDown();
        assertThat(ran.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(((DigitResult) seen.get(0)).digit()).isEqualTo('7');
        DigitResult prompt = (DigitResult) seen.get(1);
        assertThat(prompt.digit()).isEqualTo('1');   // the kept key is an escape digit: the prompt ends at once
        assertThat(c.requestsSoFar()).noneMatch(q -> q.contains("sound:vm-press"));   // and never played
        c.hangup();
    }


    @Test
    void getDataCollectsUntilHashMaxDigitsOrTimeout() throws Exception {
        call(ch -> {
            seen.add(ch.getData("agent-pass", 1000, 4));
            seen.add(ch.getData("beep", 300, 10));
            seen.add(ch.getData("beep", 300, 3));
        }, c -> c.keys("1234" + "56#" + "9").idle(Duration.ofMillis(30)).giveUpAfter(Duration.ofSeconds(5)));
        assertThat(seen).containsExactly(new InputResult("1234", false, false), new InputResult("56", false, false),
                new InputResult("9", true, false));
    }

    @Test
    void waitForDigitAndGetOption() throws Exception {
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        apps.put("option", ch -> {
            try {
                seen.add(ch.waitForDigit(200));
                seen.add(ch.getOption("vm-press", "12", 5000));
                seen.add(ch.getOption("vm-press", "12", 5000));
            } finally {
                ran.countDown();
            }
        });
        SimulatedAriCall c = sim.call("agi").args("option", "x").giveUpAfter(Duration.ofMinutes(1)).place();
        for (char k : "21".toCharArray()) {
            long plays = c.requestsSoFar().stream().filter(q -> q.contains("sound:vm-press")).count();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> c.requestsSoFar().stream().filter(q -> q.contains("sound:vm-press")).count() > plays);
            c.press(k);   // during the prompt or right after it: an escape key either way
        }
        assertThat(ran.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(((DigitResult) seen.get(0)).timedOut()).isTrue();
        assertThat(((DigitResult) seen.get(1)).digit()).isEqualTo('2');
        assertThat(((DigitResult) seen.get(2)).digit()).isEqualTo('1');
    }


    @Test
    void sayCommandsPlayAriMediaAndDatesAreComposedInEnglish() throws Exception {
        SimulatedAriCall.Result r = call(ch -> {
            ch.sayNumber(42, "");
            ch.sayDigits("123", "");
            ch.sayAlpha("abc", "");
            ch.sayDate(1_700_000_000L, "");
            ch.sayDateTime(1_700_000_000L, "", "IMp", "UTC");
            ch.sayDateTime(1_700_000_000L, "", "ABdY 'digits/at' IMp", "Europe/Berlin");
        }, c -> c);
        assertThat(r.played()).startsWith("number:42", "digits:123", "characters:abc");
        // 1700000000 = Tuesday 14 November 2023, 22:13:20 UTC; 23:13 in Berlin
        assertThat(r.played()).containsSubsequence("sound:digits/10", "number:13", "sound:digits/p-m");
        assertThat(r.played()).containsSubsequence("sound:digits/day-2", "sound:digits/mon-10", "sound:digits/h-14",
                "number:2023", "sound:digits/at", "sound:digits/11", "number:13", "sound:digits/p-m");
    }

    @Test
    void callerHangsUpDuringAPlaybackTheCommandFailsOnceThen511AndCleanUpStillWorks() throws Exception {
        SimulatedAriCall.Result r = call(ch -> {
            try {
                ch.streamFile("tt-monkeys", "#");
            } catch (AgiHangupException e) {
                seen.add("hangup");
            }
            seen.add(ch.isHungUp());
            try {
                ch.streamFile("goodbye");
            } catch (AgiHangupException e) {
                seen.add(e.reply() == null ? "?" : e.reply().status());
            }
            ch.setVariable("CLEANUP", "done");   // dead-channel-safe: no exception
            ch.verbose("still here");
        }, c -> c.hangupDuring("tt-monkeys"));
        assertThat(seen).containsExactly("hangup", true, 511);
        assertThat(r.outcome()).isEqualTo("caller-hungup");
    }

    @Test
    void hangupByTheAppAndVariablesAndChannelStatus() throws Exception {
        SimulatedAriCall.Result r = call(ch -> {
            seen.add(ch.channelStatus());
            ch.answer();
            seen.add(ch.channelStatus());
            ch.setVariable("GREETING", "hello ari");
            seen.add(ch.getVariable("GREETING"));
            seen.add(ch.getVariable("NOSUCHVAR"));
            seen.add(ch.getFullVariable("${CALLERID(num)} on ${CHANNEL}"));
            ch.setCallerId("\"Dave\" <15550002222>");
            seen.add(ch.getVariable("CALLERID(num)"));
            ch.hangup();
            seen.add(ch.isHungUp());
        }, c -> c);
        assertThat(seen.get(0)).isEqualTo(org.tinyphone.agi.ChannelState.RING);
        assertThat(seen.get(1)).isEqualTo(org.tinyphone.agi.ChannelState.UP);
        assertThat(seen.get(2)).isEqualTo(java.util.Optional.of("hello ari"));
        assertThat(seen.get(3)).isEqualTo(java.util.Optional.empty());
        assertThat((java.util.Optional<?>) seen.get(4)).get().asString().matches("15550001111 on Local/ari@tp-ari-.*;2");
        assertThat(seen.get(5)).isEqualTo(java.util.Optional.of("15550002222"));
        assertThat(seen.get(6)).isEqualTo(true);
        assertThat(r.outcome()).isEqualTo("hungup");
        assertThat(r.variables()).containsEntry("GREETING", "hello ari");
    }

    @Test
    void setContextExtensionPriorityChooseWhereTheDialplanGoesOn() throws Exception {
        SimulatedAriCall.Result r = call(ch -> {
            ch.setContext("agi-after");
            ch.setExtension("t2");
            ch.setPriority("2");
        }, c -> c);
        assertThat(r.outcome()).isEqualTo("continued");
        assertThat(r.continuedAt()).isEqualTo("agi-after,t2,2");
    }

    @Test
    void recordFileStopsOnAnEscapeKey() throws Exception {
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        apps.put("rec", ch -> {
            try {
                seen.add(ch.recordFile("msg-1", "wav", "#", 10_000));
            } finally {
                ran.countDown();
            }
        });
        SimulatedAriCall c = sim.call("agi").args("rec", "x").giveUpAfter(Duration.ofMinutes(1)).place();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> c.requestsSoFar().stream().anyMatch(q -> q.contains("/record?")));
        c.press('5');   // no escape key: the recording goes on
        c.press('#');
        assertThat(ran.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        SimulatedAriCall.Result r = c.await(Duration.ofSeconds(10));
        RecordResult rec = (RecordResult) seen.get(0);
        assertThat(rec.pressed()).isTrue();
        assertThat(rec.digit()).isEqualTo('#');
        assertThat(rec.ending()).isEqualTo("dtmf");
        assertThat(r.requests()).anyMatch(q -> q.startsWith("POST channels/" + r.channelId()
                + "/record?name=msg-1&format=wav&maxDurationSeconds=10&ifExists=overwrite&terminateOn=none"));
        assertThat(r.requests()).contains("POST recordings/live/msg-1/stop");
    }


    @Test
    void execRunsTheAppsAriCanReachAndNamesTheOnesItCannot() throws Exception {
        SimulatedAriCall.Result r = call(ch -> {
            seen.add(ch.exec("Playback", "hello-world").ok());
            seen.add(ch.exec("SendDTMF", "12#").ok());
            seen.add(ch.exec("Set", "FROM_EXEC=yes").ok());
            try {
                ch.exec("Dial", "PJSIP/100", "30");
            } catch (AgiException e) {
                seen.add(e.getMessage());
            }
            try {
                ch.sayPhonetic("abc", "");
            } catch (AgiException e) {
                seen.add(e.getMessage());
            }
            try {
                ch.gosub("sub", "s", "1");
            } catch (AgiException e) {
                seen.add(e.getMessage());
            }
        }, c -> c);
        assertThat(seen.subList(0, 3)).containsOnly(true);
        assertThat(r.dtmfSent()).containsExactly("12#");
        assertThat(r.variables()).containsEntry("FROM_EXEC", "yes");
        assertThat((String) seen.get(3)).contains("EXEC Dial").contains("cannot run over ARI");
        assertThat((String) seen.get(4)).contains("SAY PHONETIC").contains("no phonetic");
        assertThat((String) seen.get(5)).contains("GOSUB").contains("subroutine");
        assertThat(r.played()).containsExactly("sound:hello-world");
    }

    @Test
    void controlStreamFileMovesThePlaybackWithItsKeysAndStopsOnAnEscapeKey() throws Exception {
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        apps.put("ctl", ch -> {
            try {
                seen.add(ch.controlStreamFile("tt-monkeys", "#", 2000, "6", "4", "5"));
            } finally {
                ran.countDown();
            }
        });
        SimulatedAriCall c = sim.call("agi").args("ctl", "x").place();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> c.requestsSoFar().stream().anyMatch(q -> q.contains("/play?")));
        for (char k : "6455#".toCharArray()) {
            c.press(k);
            Thread.sleep(50);
        }
        assertThat(ran.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        SimulatedAriCall.Result r = c.await(Duration.ofSeconds(10));
        assertThat(((DigitResult) seen.get(0)).digit()).isEqualTo('#');
        assertThat(r.requests()).anyMatch(q -> q.contains("/play?media=sound:tt-monkeys") && q.contains("skipms=2000"));
        assertThat(r.requests()).filteredOn(q -> q.contains("/control?")).extracting(q -> q.substring(q.indexOf("operation=")))
                .containsExactly("operation=forward", "operation=reverse", "operation=pause", "operation=unpause");
        assertThat(r.requests()).anyMatch(q -> q.startsWith("DELETE playbacks/"));
    }

    @Test
    void musicAutohangupDatabaseAndCommandsOnOtherChannels() throws Exception {
        apps.put("idle", ch -> Thread.sleep(2000));
        SimulatedAriCall other = sim.call("agi").args("idle", "x").place();
        SimulatedAriCall.Result r = call(ch -> {
            ch.setMusic(true, "default");
            ch.setMusic(false);
            ch.setAutoHangup(30);
            seen.add(ch.databasePut("tp", "k1", "v 1"));
            seen.add(ch.databaseGet("tp", "k1"));
            seen.add(ch.databaseDel("tp", "k1"));
            seen.add(ch.databaseGet("tp", "k1"));
            seen.add(ch.channelStatus("Local/no-such;2"));
            seen.add(ch.hangup("Local/no-such;2"));
            ch.exec("Wait", "0.05");
            ch.noop();
            seen.add("noop");
        }, c -> c);
        assertThat(seen).containsExactly(true, java.util.Optional.of("v 1"), true, java.util.Optional.empty(),
                org.tinyphone.agi.ChannelState.NO_SUCH_CHANNEL, false, "noop");
        assertThat(r.requests()).anyMatch(q -> q.startsWith("POST channels/" + r.channelId() + "/moh?mohClass=default"))
                .anyMatch(q -> q.startsWith("DELETE channels/" + r.channelId() + "/moh"))
                .anyMatch(q -> q.contains("variable=TIMEOUT(absolute)&value=30"));
        other.hangup();
    }
}
