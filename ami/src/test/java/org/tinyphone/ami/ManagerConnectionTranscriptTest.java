package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.ami.codec.AmiMessage;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.ami.FakeAmiServer;
import org.tinyphone.sim.ami.TranscriptReplay;

/** Given what a real Asterisk 22 sent in each capture, we send what the capture shows and read it right. */
class ManagerConnectionTranscriptTest {
    private FakeAmiServer server;
    private ManagerConnection ami;

    @AfterEach
    void tearDown() {
        if (ami != null) ami.close();
        if (server != null) server.close();
    }

    private TranscriptReplay replay(String capture) throws Exception {
        TranscriptReplay r = new TranscriptReplay(Transcript.load(capture));
        server = FakeAmiServer.start(r);
        return r;
    }

    private ManagerConnection.Builder lab() {
        return ManagerConnection.builder().host("127.0.0.1").port(server.port()).username("lab").secret("labsecret")
                .keepAlive(Duration.ZERO).reconnect(false);
    }

    @Test
    void loginPingLogoff() throws Exception {
        TranscriptReplay r = replay("05a-ami-login-ping-logoff.txt");
        ami = lab().build();
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        ami.onState(states::add);
        List<String> events = new CopyOnWriteArrayList<>();
        ami.onEvents(e -> events.add(e.eventName()));
        ami.connect();
        assertThat(ami.banner()).isEqualTo("Asterisk Call Manager/11.0.0");
        assertThat(ami.amiVersion()).isEqualTo("11.0.0");

        AmiResponse p1 = ami.call(AmiAction.of("Ping"));
        assertThat(p1.get("Ping")).isEqualTo("Pong");
        assertThat(p1.get("Timestamp")).isEqualTo("1795447297.827044");
        AmiResponse p2 = ami.call(AmiAction.of("Ping"));   // the capture's second Ping had no ActionID
        assertThat(p2.get("Timestamp")).isEqualTo("1795447298.231697");
        ami.close();

        assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        assertThat(r.failures()).isEmpty();
        assertThat(r.matchedActions()).isEqualTo(4);
        await().untilAsserted(() -> assertThat(events).containsExactly("FullyBooted", "SuccessfulAuth"));
        await().untilAsserted(() -> assertThat(states).containsExactly(
                ConnectionState.CONNECTED, ConnectionState.LOGGED_IN, ConnectionState.CLOSED));
    }

    @Test
    void badSecretGivesAClearErrorAndNoHang() throws Exception {
        TranscriptReplay r = replay("05a-ami-login-bad-secret.txt");
        ami = ManagerConnection.builder().port(server.port()).username("lab").secret("wrongsecret").keepAlive(Duration.ZERO).build();
        assertThatThrownBy(() -> ami.connect())
                .isInstanceOf(AmiException.AuthenticationFailed.class)
                .hasMessageContaining("refused login as 'lab'").hasMessageContaining("Authentication failed");
        assertThat(r.failures()).isEmpty();
        assertThat(ami.send(AmiAction.of("Ping"))).failsWithin(Duration.ofSeconds(1))
                .withThrowableThat().withCauseInstanceOf(AmiException.ConnectionLost.class);
    }

    @Test
    void md5ChallengeLogin() throws Exception {
        TranscriptReplay r = replay("05b-ami-md5-challenge-login.txt");
        ami = lab().md5(true).build();
        ami.connect();
        assertThat(ami.state()).isEqualTo(ConnectionState.LOGGED_IN);
        assertThat(ami.call(AmiAction.of("Ping")).get("Ping")).isEqualTo("Pong");
        ami.close();
        assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        assertThat(r.failures()).isEmpty();          // includes Key = md5(challenge + secret) as captured
        assertThat(r.matchedActions()).isEqualTo(4);
        assertThat(ManagerConnection.md5Hex("179652811labsecret")).isEqualTo("57a24a5f11d73eb63b399f1791da4b7f");
    }

    @Test
    void eventsOffAtLoginThenOnAndOff() throws Exception {
        TranscriptReplay r = replay("05c-ami-events-on-off.txt");
        ami = lab().events("off").build();
        List<AmiMessage> events = new CopyOnWriteArrayList<>();
        ami.onEvents(events::add);
        ami.connect();
        assertThat(ami.setEvents("on").join().get("Events")).isEqualTo("On");
        await().untilAsserted(() -> assertThat(events).extracting(AmiMessage::eventName).contains("Hangup"));
        assertThat(ami.setEvents("off").join().get("Events")).isEqualTo("Off");
        ami.close();
        assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        assertThat(r.failures()).isEmpty();
        assertThat(events).extracting(AmiMessage::eventName).startsWith("Newchannel");
    }

    @Test
    void eventListsCommandOutputVariablesAndErrors() throws Exception {
        TranscriptReplay r = replay("05d-ami-lists-command-vars.txt");
        ami = lab().events("off").build();
        ami.connect();
        String chan = "Local/park@agi-test-00000015;2";

        AmiResponse csc = ami.call(AmiAction.of("CoreShowChannels"));
        assertThat(csc.get("EventList")).isEqualTo("start");
        assertThat(csc.items()).extracting(m -> m.get("Channel"))
                .containsExactly("Local/park@agi-test-00000015;1", chan);
        assertThat(csc.events()).last().satisfies(m -> {
            assertThat(m.eventName()).isEqualTo("CoreShowChannelsComplete");
            assertThat(m.get("ListItems")).isEqualTo("2");
        });

        AmiResponse st = ami.call(AmiAction.of("Status"));       // Status items carry ActionID as their last line
        assertThat(st.items()).hasSize(2).allSatisfy(m -> assertThat(m.eventName()).isEqualTo("Status"));
        assertThat(st.events()).last().extracting(m -> m.get("Items")).isEqualTo("2");

        AmiResponse st2 = ami.call(AmiAction.of("Status").add("Channel", "Local/park@agi-test-00000000;2"));
        assertThat(st2.isSuccess()).isFalse();
        assertThat(st2.text()).isEqualTo("No such channel");

        AmiResponse v = ami.call(AmiAction.of("Command").add("Command", "core show version"));
        assertThat(v.output()).containsExactly("Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-23 15:10:59 UTC");
        AmiResponse ch = ami.call(AmiAction.of("Command").add("Command", "core show channels"));
        assertThat(ch.output()).hasSize(6).contains("2 active channels", "1 active call");
        AmiResponse bad = ami.call(AmiAction.of("Command").add("Command", "no such cli command"));
        assertThat(bad.isSuccess()).isFalse();
        assertThat(bad.output()).singleElement().asString().startsWith("No such command");

        assertThat(ami.call(AmiAction.of("Setvar").add("Channel", chan).add("Variable", "LABVAR").add("Value", "hello ami")).text())
                .isEqualTo("Variable Set");
        assertThat(ami.call(AmiAction.of("GetVar").add("Channel", chan).add("Variable", "LABVAR")).get("Value")).isEqualTo("hello ami");
        assertThat(ami.call(AmiAction.of("GetVar").add("Channel", chan).add("Variable", "NOSUCHVAR")).get("Value")).isEmpty();
        assertThat(ami.call(AmiAction.of("GetVar").add("Variable", "GLOBALNOPE")).get("Value")).isEmpty();
        assertThat(ami.call(AmiAction.of("GetVar").add("Channel", "Local/nosuch-00000000;1").add("Variable", "X")).text())
                .isEqualTo("No such channel");
        assertThat(ami.call(AmiAction.of("NoSuchAction")).text()).startsWith("Invalid/unknown command: NoSuchAction.");
        assertThat(ami.call(AmiAction.of("Hangup").add("Channel", chan)).text()).isEqualTo("Channel Hungup");
        ami.close();

        assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        assertThat(r.failures()).isEmpty();
        assertThat(r.matchedActions()).isEqualTo(15);
    }

    @Test
    void originateAsyncCompletesWithOriginateResponse() throws Exception {
        TranscriptReplay r = replay("05e-ami-originate-async.txt");
        ami = lab().build();
        ami.connect();
        OriginateResult ok = ami.originate(Originate.toApplication("Local/park@agi-test", "Wait", "2")
                .callerId("\"Carol\" <15550001111>").variable("FOO", "bar")).get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(ok.success()).isTrue();
        assertThat(ok.reason()).isEqualTo(4);
        assertThat(ok.reasonText()).isEqualTo("answered");
        assertThat(ok.channel()).isEqualTo("Local/park@agi-test-00000016;1");
        assertThat(ok.uniqueId()).isEqualTo("1795447319.44");

        OriginateResult fail = ami.originate(Originate.toApplication("Local/nosuchexten@agi-test", "Wait", "2"))
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(fail.success()).isFalse();
        assertThat(fail.reason()).isZero();
        assertThat(fail.uniqueId()).isNull();
        ami.close();
        assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        assertThat(r.failures()).isEmpty();
    }

    @Test
    void coreStopNowShowsShutdownThenLost() throws Exception {
        TranscriptReplay r = replay("05g-ami-core-stop-now.txt");
        ami = lab().build();
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        ami.onState(states::add);
        List<AmiMessage> shutdown = new CopyOnWriteArrayList<>();
        ami.onEvent("Shutdown", shutdown::add);
        ami.connect();
        await().untilAsserted(() -> assertThat(states).contains(ConnectionState.CLOSED));
        assertThat(states).containsExactly(ConnectionState.CONNECTED, ConnectionState.LOGGED_IN, ConnectionState.LOST, ConnectionState.CLOSED);
        assertThat(shutdown).singleElement().satisfies(e -> {
            assertThat(e.get("Shutdown")).isEqualTo("Cleanly");
            assertThat(e.get("Restart")).isEqualTo("False");
        });
        assertThat(r.failures()).isEmpty();
    }
}
