package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.ami.event.AmiEvents;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;
import org.tinyphone.sim.ami.TranscriptReplay;

class ChannelTrackerTest {
    private FakeAmiServer server;
    private ManagerConnection ami;

    @AfterEach
    void tearDown() {
        if (ami != null) ami.close();
        if (server != null) server.close();
    }

    @Test
    void aFullRecordedCallBecomesChannelObjectsWithStateCallerIdVariablesLinksAndDigits() throws Exception {
        TranscriptReplay r = new TranscriptReplay(Transcript.load("05f-ami-full-call-events.txt"));
        server = FakeAmiServer.start(r);
        ami = ManagerConnection.builder().port(server.port()).username("lab").secret("labsecret")
                .keepAlive(Duration.ZERO).reconnect(false).build();
        ami.connect();
        ChannelTracker channels = ChannelTracker.track(ami);
        List<Channel> seen = new CopyOnWriteArrayList<>();
        channels.onNewChannel(seen::add);
        List<AmiEvents.Dtmf> dtmf = new CopyOnWriteArrayList<>();
        ami.on(AmiEvents.Dtmf.class, dtmf::add);
        List<AmiEvents.DialEnd> dialEnds = new CopyOnWriteArrayList<>();
        ami.on(AmiEvents.DialEnd.class, dialEnds::add);
        List<AmiEvents.Newstate> states = new CopyOnWriteArrayList<>();
        ami.on(AmiEvents.Newstate.class, states::add);

        OriginateResult o = ami.originate(Originate.toApplication("Local/dialer@agi-test", "Wait", "15")
                .callerId("\"Carol\" <15550001111>")).get(10, TimeUnit.SECONDS);
        assertThat(o.success()).isTrue();

        await().untilAsserted(() -> assertThat(seen).hasSize(4).allMatch(Channel::isHungUp));
        assertThat(channels.all()).isEmpty();
        Channel dialer1 = seen.stream().filter(c -> c.uniqueId().equals("1795447344.48")).findFirst().orElseThrow();
        assertThat(dialer1.name()).isEqualTo("Local/dialer@agi-test-00000018;1");
        assertThat(dialer1.callerIdNum()).isEqualTo("15550001111");
        assertThat(dialer1.callerIdName()).isEqualTo("Carol");
        assertThat(dialer1.digits()).isEqualTo("12#");             // Direction: Received only
        assertThat(dialer1.awaitDtmf(Duration.ofSeconds(1))).contains('1');   // queued digits come first
        assertThat(dialer1.awaitDigits(5, '#', Duration.ofSeconds(1))).isEqualTo("2");
        assertThat(dialer1.awaitDtmf(Duration.ofSeconds(5))).isEmpty();        // hung up: no wait
        assertThat(dialer1.hangupCause()).isEqualTo(16);
        assertThat(dialer1.hangupCauseText()).isEqualTo("Normal Clearing");
        Channel dialee1 = seen.stream().filter(c -> c.name().equals("Local/dialee@agi-test-00000019;1")).findFirst().orElseThrow();
        assertThat(dialee1.digits()).isEqualTo("12#");
        Channel dialer2 = seen.stream().filter(c -> c.name().equals("Local/dialer@agi-test-00000018;2")).findFirst().orElseThrow();
        assertThat(dialer2.digits()).isEmpty();                      // it sent them
        assertThat(dialer2.variables()).containsKey("DIALEDPEERNUMBER");
        assertThat(dialer2.dialedIds()).contains(dialee1.uniqueId());

        assertThat(dtmf).hasSize(18);
        assertThat(dtmf).filteredOn(AmiEvents.Dtmf::isEnd).allSatisfy(d -> assertThat(d.durationMs()).isEqualTo(100));
        assertThat(dtmf).filteredOn(d -> !d.received()).extracting(AmiEvents.Dtmf::direction).containsOnly("Sent");
        assertThat(dialEnds).extracting(AmiEvents.DialEnd::dialStatus).containsOnly("ANSWER");
        assertThat(states).extracting(AmiEvents.Newstate::channelState).contains(6);
        ami.close();
        assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        assertThat(r.failures()).isEmpty();
    }

    @Test
    void linkedChannelsAndActionsOnAChannel() throws Exception {
        AsteriskSimulator sim = new AsteriskSimulator("lab", "s");
        server = FakeAmiServer.start(sim);
        ami = ManagerConnection.builder().port(server.port()).username("lab").secret("s").keepAlive(Duration.ZERO).build();
        ami.connect();
        ChannelTracker channels = ChannelTracker.track(ami);
        String u = sim.newChannel("PJSIP/100-00000001", "100", "Alice", "600");
        await().until(() -> channels.get(u).isPresent());
        Channel c = channels.get(u).orElseThrow();
        assertThat(channels.byName("PJSIP/100-00000001")).contains(c);
        assertThat(c.callerIdName()).isEqualTo("Alice");

        assertThat(c.setVar("LANG", "fr").join().isSuccess()).isTrue();
        await().untilAsserted(() -> assertThat(c.variable("LANG")).isEqualTo("fr"));
        assertThat(c.getVar("LANG").join().get("Value")).isEqualTo("fr");
        assertThat(c.playDtmf('5').join().isSuccess()).isTrue();
        assertThat(c.redirect("default", "s", 1).join().isSuccess()).isTrue();
        assertThat(sim.actions()).filteredOn(a -> "Redirect".equals(a.action())).singleElement()
                .satisfies(a -> assertThat(a.get("Context") + "/" + a.get("Exten") + "/" + a.get("Priority")).isEqualTo("default/s/1"));

        sim.dtmf("PJSIP/100-00000001", "42#9");
        assertThat(c.awaitDigits(10, '#', Duration.ofSeconds(10))).isEqualTo("42");
        assertThat(c.awaitDtmf(Duration.ofSeconds(10))).isEqualTo(Optional.of('9'));

        assertThat(c.hangup().join().text()).isEqualTo("Channel Hungup");
        assertThat(c.hangupFuture()).succeedsWithin(Duration.ofSeconds(10));
        assertThat(channels.all()).isEmpty();
        channels.close();
    }

    @Test
    void refreshAfterReconnectSeedsChannelsFromCoreShowChannels() throws Exception {
        AsteriskSimulator sim = new AsteriskSimulator("lab", "s");
        server = FakeAmiServer.start(sim);
        ami = ManagerConnection.builder().port(server.port()).username("lab").secret("s").keepAlive(Duration.ZERO)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build();
        ami.connect();
        ChannelTracker channels = ChannelTracker.track(ami);
        // wait for the loss as recorded, not for the state of the moment: RECONNECTING can be over in a millisecond
        // (a closing ServerSocket may still accept while its virtual accept thread has not run yet)
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        ami.onState(states::add);
        server.down();
        await().until(() -> states.contains(ConnectionState.LOST));
        sim.newChannel("PJSIP/200-00000002", "200", "Bob", "600");   // born while we were away: no Newchannel for us
        server.up();
        await().untilAsserted(() -> assertThat(channels.byName("PJSIP/200-00000002")).isPresent());
        assertThat(Map.of("n", channels.all().size())).containsEntry("n", 1);

        Channel bob = channels.byName("PJSIP/200-00000002").orElseThrow();
        states.clear();
        server.down();                                                // Bob hangs up while we are away again
        await().until(() -> states.contains(ConnectionState.LOST));
        sim.hangup("PJSIP/200-00000002");
        server.up();
        assertThat(bob.hangupFuture()).succeedsWithin(Duration.ofSeconds(10));   // waiters are woken, not left hanging
        assertThat(bob.awaitDtmf(Duration.ofSeconds(30))).isEmpty();
        assertThat(channels.all()).isEmpty();
    }
}
