package org.tinyphone.server.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.config.TinyphoneConfig;

/**
 * The whole server in a child JVM, for fault tests that need a process of its own (a low descriptor limit, a log
 * on a full disk): {@code ServerChild PORTS_FILE [key=value ...]}. Every listener on loopback and a free port; the
 * bound ports go to PORTS_FILE ({@code relay=41234 clients=...}), written once the server is up. Logs go where
 * the production config sends them (stderr), at INFO. Stops when its stdin closes.
 */
public final class ServerChild {
    private ServerChild() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> overrides = new HashMap<>();
        for (String l : TinyphoneConfig.LISTENERS) {
            overrides.put(l + ".bind", "127.0.0.1");
            overrides.put(l + ".port", "0");
        }
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        TinyphoneServer server = TinyphoneServer.start(TinyphoneConfig.defaults().with(overrides));
        StringBuilder ports = new StringBuilder();
        for (TinyphoneServer.Registered r : server.listeners()) ports.append(r.name()).append('=').append(r.port()).append('\n');
        Path file = Path.of(args[0]);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, ports, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        while (System.in.read() >= 0) {
            // until the test closes our stdin
        }
        server.close();
    }
}
