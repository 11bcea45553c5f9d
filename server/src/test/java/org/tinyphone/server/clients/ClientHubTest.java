package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.tinyphone.server.bridge.Bridge;

class ClientHubTest {
    @Test
    void allClientsTogetherWatchAtMostTheHubsNumberOfNumbers() {
        ClientHub hub = new ClientHub(new Bridge(), new ClientHub.Limits(1000, Duration.ofSeconds(10), 16384, 32,
                Duration.ofSeconds(30)), "test");
        for (int i = 0; i < ClientHub.MAX_SUBSCRIPTIONS; i++) assertThat(hub.takeSubscription()).isTrue();
        assertThat(hub.takeSubscription()).isFalse();
        hub.releaseSubscription();
        assertThat(hub.takeSubscription()).isTrue();
    }
}
