package org.tinyphone.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressLimitTest {
    @Test
    void oneOtherHostGetsAtMostItsShareAndGetsItBackAsConnectionsClose() throws Exception {
        AddressLimit limit = new AddressLimit(2);
        InetAddress a = InetAddress.getByName("192.0.2.10"), b = InetAddress.getByName("192.0.2.11");
        assertThat(limit.tryTake(a)).isTrue();
        assertThat(limit.tryTake(a)).isTrue();
        assertThat(limit.tryTake(a)).isFalse();
        assertThat(limit.tryTake(b)).as("another host has its own share").isTrue();
        assertThat(limit.open(a)).isEqualTo(2);
        limit.release(a);
        assertThat(limit.tryTake(a)).isTrue();
        limit.release(a);
        limit.release(a);
        assertThat(limit.open(a)).as("forgotten with its last connection").isZero();
    }

    @Test
    void thisMachineIsNotLimited() {
        AddressLimit limit = new AddressLimit(1);
        for (int i = 0; i < 10; i++) assertThat(limit.tryTake(InetAddress.getLoopbackAddress())).isTrue();
    }
}
