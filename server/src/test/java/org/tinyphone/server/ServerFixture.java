package org.tinyphone.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.config.TinyphoneConfig;

/** A real server on ephemeral loopback ports, with only the client side (TCP 12002 + HTTP/WS) turned on. */
public final class ServerFixture implements AutoCloseable {
    public final TinyphoneServer server;

    private ServerFixture(TinyphoneServer server) {
        this.server = server;
    }

    public static ServerFixture start() {
        return start(Map.of());
    }

    public static ServerFixture start(Map<String, String> overrides) {
        Map<String, String> o = new HashMap<>();
        o.put("clients.bind", "127.0.0.1");
        o.put("clients.port", "0");
        o.put("http.bind", "127.0.0.1");
        o.put("http.port", "0");
        for (String l : List.of("relay", "fastagi", "audiosocket")) {
            o.put(l + ".enabled", "false");
            o.put(l + ".port", "0");
        }
        o.put("sms.port", "0");
        o.putAll(overrides);
        TinyphoneConfig config = TinyphoneConfig.load(null, Map.of(), o);
        return new ServerFixture(TinyphoneServer.start(config, List.of()));
    }

    public Bridge bridge() { return server.bridge(); }

    public int tcpPort() { return server.port("clients"); }

    public int httpPort() { return server.port("http"); }

    @Override
    public void close() {
        server.close();
    }
}
