package org.tinyphone.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The guessing limit shared by the clients' tokens and the outbound ARI server's credentials. */
class WrongSecretLimiterTest {

    @Test
    void anAddressWithTooManyWrongSecretsWaitsOutTheMinuteOthersDoNot() throws Exception {
        long[] now = {0};
        WrongSecretLimiter limiter = new WrongSecretLimiter(() -> now[0]);
        InetAddress a = InetAddress.getByName("192.0.2.66");
        for (int i = 0; i < WrongSecretLimiter.MAX_FAILURES - 1; i++) limiter.failed(a);
        assertThat(limiter.mayTry(a)).as("one wrong guess left").isTrue();
        limiter.failed(a);
        assertThat(limiter.mayTry(a)).isFalse();
        assertThat(limiter.mayTry(InetAddress.getByName("192.0.2.67"))).isTrue();
        now[0] += 61_000_000_000L;
        assertThat(limiter.mayTry(a)).as("a minute later").isTrue();
    }
}
