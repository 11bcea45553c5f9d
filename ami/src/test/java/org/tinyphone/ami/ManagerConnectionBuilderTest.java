package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.ami.AmiFrame;
import org.tinyphone.sim.ami.AsteriskSimulator;
import org.tinyphone.sim.ami.FakeAmiServer;

/** A connection keeps the settings it was built with: a builder changed afterwards moves nothing. */
class ManagerConnectionBuilderTest {
    private final AsteriskSimulator asterisk = new AsteriskSimulator("lab", "labsecret");
    private final AsteriskSimulator elsewhere = new AsteriskSimulator("other", "othersecret");
    private FakeAmiServer server;
    private FakeAmiServer otherServer;
    private ManagerConnection ami;
    private ManagerConnection second;

    @AfterEach
    void tearDown() {
        if (ami != null) ami.close();
        if (second != null) second.close();
        if (server != null) server.close();
        if (otherServer != null) otherServer.close();
    }

    @Test
    void aReconnectGoesWhereTheConnectionWasBuiltToGoEvenIfTheBuilderChangedSince() throws Exception {
        server = FakeAmiServer.start(asterisk);
        otherServer = FakeAmiServer.start(elsewhere);
        ManagerConnection.Builder b = ManagerConnection.builder().port(server.port()).username("lab").secret("labsecret")
                .keepAlive(Duration.ZERO).reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(400));
        ami = b.build();
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        ami.onState(states::add);
        ami.connect();

        b.port(otherServer.port()).username("other").secret("othersecret");   // the builder is reused for another connection
        server.restart();                                                     // Asterisk restarts: we log in again

        await().until(() -> states.stream().filter(s -> s == ConnectionState.LOGGED_IN).count() == 2);
        assertThat(otherServer.connectionCount()).as("connections to the port set after build()").isZero();
        assertThat(asterisk.logins()).isEqualTo(2);
        assertThat(asterisk.actions()).filteredOn(a -> "Login".equals(a.action())).extracting(a -> a.get("Username"))
                .containsExactly("lab", "lab");
        assertThat(ami.address()).isEqualTo("127.0.0.1:" + server.port());

        second = b.build();                                                   // ... and builds it with what it holds now
        assertThat(second.address()).isEqualTo("127.0.0.1:" + otherServer.port());
        second.connect();
        assertThat(elsewhere.actions()).filteredOn(a -> "Login".equals(a.action())).extracting(AmiFrame::action).hasSize(1);
        assertThat(second.call(AmiAction.of("Ping")).get("Ping")).isEqualTo("Pong");
    }
}
