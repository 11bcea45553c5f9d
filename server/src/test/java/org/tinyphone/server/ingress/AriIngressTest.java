package org.tinyphone.server.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where Asterisk is told to connect for an ARI call's audio (externalMedia's {@code external_host}). */
class AriIngressTest {

    @Test
    void theAudioSocketListenersAddressAsAsteriskReachesIt() {
        assertThat(AriIngress.audioAddress("", "127.0.0.1", 9092)).isEqualTo("127.0.0.1:9092");
        assertThat(AriIngress.audioAddress("", "0.0.0.0", 9092)).as("a wildcard bind: Asterisk on this machine").isEqualTo("127.0.0.1:9092");
        assertThat(AriIngress.audioAddress("", "::", 41000)).isEqualTo("127.0.0.1:41000");
        assertThat(AriIngress.audioAddress("", "10.0.0.5", 9092)).isEqualTo("10.0.0.5:9092");
        assertThat(AriIngress.audioAddress("tinyphone.lan", "0.0.0.0", 9092)).isEqualTo("tinyphone.lan:9092");
        assertThat(AriIngress.audioAddress("10.0.0.5:19092", "0.0.0.0", 9092)).as("a port of its own (NAT)").isEqualTo("10.0.0.5:19092");
        assertThat(AriIngress.audioAddress("fd00::5", "::", 9092)).isEqualTo("[fd00::5]:9092");
        assertThat(AriIngress.audioAddress("[fd00::5]:19092", "::", 9092)).isEqualTo("[fd00::5]:19092");
    }
}
