package org.tinyphone.net;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;

/**
 * A listener for {@link DescriptorLimitTest}, run in a child JVM with few descriptors: a {@link GuardedAcceptor}
 * whose connections echo one line, then wait for the peer to close. Prints {@code PORT n}; answers {@code stats}
 * on stdin with {@code STATS accepted=.. errors=.. open=..}.
 */
public final class EchoChild {
    private EchoChild() {}

    public static void main(String[] args) throws Exception {
        ServerSocket ss = new ServerSocket();
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 500);
        GuardedAcceptor a = GuardedAcceptor.builder("echo", ss, s -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String line = in.readLine();
            if (line == null) return;
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            while (in.read() >= 0) {
                // hold the connection (and its descriptor) until the peer closes
            }
        }).logger(LoggerFactory.getLogger("echo")).start();
        System.out.println("PORT " + a.port());
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String c;
        while ((c = commands.readLine()) != null) {
            if (c.equals("stats")) {
                ListenerStats st = a.stats();
                System.out.println("STATS accepted=" + st.accepted() + " errors=" + st.acceptErrors() + " open=" + st.open());
                System.out.flush();
            }
        }
        a.close();
    }
}
