package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.bridge.Bridge;

class ClientSessionsTest {
    @Test
    void allClientsTogetherWatchAtMostTheHubsNumberOfNumbers() {
        ClientSessions clientSessions = new ClientSessions(new Bridge(), new ClientSessions.Limits(1000, Duration.ofSeconds(10), 16384, 32,
                Duration.ofSeconds(30)), "test");
        for (int i = 0; i < ClientSessions.MAX_SUBSCRIPTIONS; i++) assertThat(clientSessions.takeSubscription()).isTrue();
        assertThat(clientSessions.takeSubscription()).isFalse();
        clientSessions.releaseSubscription();
        assertThat(clientSessions.takeSubscription()).isTrue();
    }
}
