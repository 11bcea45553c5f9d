package org.tinyphone.server.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.tinyphone.client.TinyphoneClient;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.server.TinyphoneServer;
import org.tinyphone.server.config.TinyphoneConfig;

/** The whole server as `./tinyphone server` starts it, on loopback and free ports, for end-to-end tests. */
final class RunningServer implements AutoCloseable {
    final TinyphoneServer server;

    private RunningServer(TinyphoneServer server) {
        this.server = server;
    }

    static RunningServer start() {
        return start(Map.of());
    }

    static RunningServer start(Map<String, String> extra) {
        Map<String, String> overrides = new java.util.HashMap<>(Map.of(
                "relay.port", "0", "clients.port", "0", "clients.bind", "127.0.0.1",
                "http.port", "0", "http.bind", "127.0.0.1", "fastagi.port", "0", "audiosocket.port", "0", "sms.port", "0"));
        overrides.putAll(extra);
        return new RunningServer(TinyphoneServer.start(TinyphoneConfig.defaults().with(overrides)));
    }

    /** The server logged in to a (simulated) Asterisk's AMI at {@code amiPort} as tinyphone/s3cret, for AsyncAGI. */
    static RunningServer withAmi(int amiPort) {
        return start(Map.of("ami.enabled", "true", "ami.port", String.valueOf(amiPort), "ami.user", "tinyphone",
                "ami.secret", "s3cret"));
    }

    int port(String listener) {
        int port = server.port(listener);
        if (port <= 0) {
            throw new IllegalStateException(listener + " is not running: " + server.describeListeners());
        }
        return port;
    }

    /** A native client watching a number, keeping every event it gets. */
    Watcher watch(String number) throws Exception {
        return Watcher.connect(port("clients"), number);
    }

    @Override
    public void close() {
        server.close();
    }

    /** A subscribed client and what it received. */
    static final class Watcher implements AutoCloseable {
        final List<TinyphoneEvent> events = new CopyOnWriteArrayList<>();
        TinyphoneClient client;

        /** Connects to a server's client port (12002) and watches {@code number}. */
        static Watcher connect(int clientsPort, String number) throws Exception {
            Watcher w = new Watcher();
            w.client = TinyphoneClient.builder().host("127.0.0.1").port(clientsPort).listener(w.events::add).connect();
            w.client.subscribe(number).get(10, java.util.concurrent.TimeUnit.SECONDS);
            return w;
        }

        /** The story of the calls to one dialed number: as {@link #story()}, for that number only. */
        List<String> story(String number) {
            return story(e -> number.equals(e.number()));
        }

        /** The story of one call: as {@link #story()}, for that call only. */
        List<String> storyOfCall(String callId) {
            return story(e -> switch (e) {
                case TinyphoneEvent.NewCaller n -> n.callId().equals(callId);
                case TinyphoneEvent.Keypress k -> k.callId().equals(callId);
                case TinyphoneEvent.Hangup h -> h.callId().equals(callId);
                default -> false;
            });
        }

        <T extends TinyphoneEvent> List<T> of(Class<T> type) {
            List<T> out = new ArrayList<>();
            for (TinyphoneEvent e : events) {
                if (type.isInstance(e)) {
                    out.add(type.cast(e));
                }
            }
            return out;
        }

        String keys() {
            StringBuilder sb = new StringBuilder();
            for (TinyphoneEvent.Keypress k : of(TinyphoneEvent.Keypress.class)) {
                sb.append(k.key());
            }
            return sb.toString();
        }

        /** Event kinds in order without snapshots and audio levels, keys spelled out. */
        List<String> story() {
            return story(e -> true);
        }

        private List<String> story(java.util.function.Predicate<TinyphoneEvent> which) {
            List<String> out = new ArrayList<>();
            for (TinyphoneEvent e : events) {
                if (!which.test(e)) continue;
                switch (e) {
                    case TinyphoneEvent.NewCaller n -> out.add("new_caller");
                    case TinyphoneEvent.Keypress k -> out.add("keypress " + k.key());
                    case TinyphoneEvent.Hangup h -> out.add("hangup");
                    default -> { }
                }
            }
            return out;
        }

        boolean hungUp() {
            return !of(TinyphoneEvent.Hangup.class).isEmpty();
        }

        static final Duration WAIT = Duration.ofSeconds(30);

        @Override
        public void close() {
            client.close();
        }
    }
}
