package org.tinyphone.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.server.ServerFixture;

/** One other host cannot take a client listener's whole cap: it gets listeners.max-per-address connections. */
class PerAddressLimitEndToEndTest {

    private static InetAddress otherHostAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) continue;
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) return a;
            }
        }
        return null;
    }

    private static Socket connect(InetAddress from, InetAddress to, int port) throws IOException {
        Socket s = new Socket();
        if (from != null) s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress(to, port), 5000);
        s.setSoTimeout(300);
        return s;
    }

    /** Whether the server closed the connection (EOF or reset) rather than keeping it open and silent. */
    private static boolean closedByServer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void theTcpAndHttpPortsEachGiveOneOtherHostItsShareOnly(@TempDir Path dir) throws Exception {
        InetAddress other = otherHostAddress();
        assumeTrue(other != null, "this machine has no non-loopback address to connect from");
        try (ServerFixture fx = ServerFixture.start(Map.of("clients.bind", "0.0.0.0", "http.bind", "0.0.0.0",
                "listeners.max-per-address", "3", "access.token-file", dir.resolve("t").toString()))) {
            for (int port : new int[] {fx.tcpPort(), fx.httpPort()}) {
                List<Socket> held = new ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) held.add(connect(other, other, port));
                    for (Socket s : held) assertThat(closedByServer(s)).as("within the share").isFalse();
                    Socket fourth = connect(other, other, port);
                    held.add(fourth);
                    await().atMost(Duration.ofSeconds(10)).until(() -> closedByServer(fourth));
                    List<Socket> local = new ArrayList<>();
                    for (int i = 0; i < 6; i++) local.add(connect(null, InetAddress.getLoopbackAddress(), port));
                    for (Socket s : local) assertThat(closedByServer(s)).as("this machine is not limited").isFalse();
                    for (Socket s : local) s.close();
                    held.get(0).close();
                    await().atMost(Duration.ofSeconds(10)).until(() -> {
                        try (Socket again = connect(other, other, port)) {
                            return !closedByServer(again);
                        }
                    });
                } finally {
                    for (Socket s : held) s.close();
                }
            }
            assertThat(fx.server.metrics().scrape()).contains("reason=\"per-address\"");
        }
    }
}
