package org.tinyphone.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import com.sun.management.UnixOperatingSystemMXBean;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Set;
import org.tinyphone.server.access.AccessPolicy;
import org.tinyphone.server.access.AdminToken;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.TalkbackPolicy;
import org.tinyphone.server.config.ListenerConfig;
import org.tinyphone.server.clients.ClientSessions;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.server.stream.MediaStreams;

/**
 * The whole server, wired from its config: the {@link Bridge}, the client listeners (TCP 12002,
 * HTTP + WebSocket 12003) and every {@link ServerPart} (the ingress listeners). Closing it stops the
 * listeners in reverse order and hangs up the calls in progress.
 */
public final class TinyphoneServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TinyphoneServer.class);

    /** A started listener or resource. */
    public record Registered(String name, int port, AutoCloseable resource) {}

    private final TinyphoneConfig config;
    private final PrometheusMeterRegistry metrics;
    private final Bridge bridge;
    private final AdminToken adminToken; // null when other hosts cannot connect or token.* is set
    private final AccessPolicy access;
    private final Instant started = Instant.now();
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Registered> registered = new LinkedHashMap<>(); // guarded by lock
    private boolean closed; // guarded by lock
    private volatile ClientSessions clients;
    private final MediaStreams streams; // held here: the meters' registry holds it weakly

    private TinyphoneServer(TinyphoneConfig config) {
        this.config = config;
        this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.bridge = new Bridge(metrics, talkback(config));
        this.streams = MediaStreams.from(config);
        streams.register(metrics);
        this.adminToken = reachableFromOtherHosts(config) && !config.tokens().containsKey(Bridge.ALL_NUMBERS)
                ? AdminToken.loadOrCreate(config.get("access.token-file").isEmpty() ? AdminToken.defaultFile()
                        : Path.of(config.get("access.token-file")))
                : null;
        this.access = new AccessPolicy(config.tokens(), adminToken == null ? null : adminToken.token(),
                AccessPolicy.Level.parse(config.get("access.local")), AccessPolicy.Level.parse(config.get("access.remote")));
    }

    private static TalkbackPolicy talkback(TinyphoneConfig config) {
        return new TalkbackPolicy(Set.copyOf(config.list("talkback.functions")),
                config.list("talkback.sound-dirs").stream().map(Path::of).toList());
    }

    /** Whether a client listener (12002, 12003) is on and bound to an address other hosts can reach. */
    public static boolean reachableFromOtherHosts(TinyphoneConfig config) {
        for (ListenerConfig l : List.of(config.clients(), config.http())) {
            if (!l.enabled()) continue;
            try {
                if (!InetAddress.getByName(l.bind()).isLoopbackAddress()) return true;
            } catch (UnknownHostException e) {
                return true; // the listener will fail to start and say why
            }
        }
        return false;
    }

    /** Starts the built-in parts and every {@link ServerPart} found with {@link ServiceLoader}. */
    public static TinyphoneServer start(TinyphoneConfig config) {
        List<ServerPart> parts = new ArrayList<>();
        ServiceLoader.load(ServerPart.class).forEach(parts::add);
        return start(config, parts);
    }

    /**
     * Starts the built-in parts and the given ones (in that order), once every enabled listener's port was found
     * free ({@link ServerStartException#checkPorts}: all that are not are reported at once).
     */
    public static TinyphoneServer start(TinyphoneConfig config, List<ServerPart> parts) {
        ServerStartException.checkPorts(config);
        TinyphoneServer server = new TinyphoneServer(config);
        List<ServerPart> all = new ArrayList<>(BuiltIn.parts());
        all.addAll(parts);
        try {
            for (ServerPart part : all) part.start(server);
        } catch (Exception e) {
            server.close();
            if (e instanceof ServerStartException s) throw s;
            throw new ServerStartException("cannot start " + e.getMessage(), e);
        }
        log.info("tinyphone server started: {}", server.describeListeners());
        checkDescriptorLimit(config);
        return server;
    }

    /** Descriptors the process needs besides its listeners' connections (jars, selectors, logs, AMI …). */
    static final int DESCRIPTOR_RESERVE = 256;

    /**
     * Warns when the enabled listeners' connection caps, together, do not fit in the process's descriptor limit: a
     * flood could then run it out of descriptors (the listeners pause and recover, but new calls wait meanwhile).
     */
    private static void checkDescriptorLimit(TinyphoneConfig config) {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os)) return;
        long limit = os.getMaxFileDescriptorCount();
        long caps = 0;
        List<String> keys = new ArrayList<>();
        for (String l : TinyphoneConfig.LISTENERS) {
            if (!config.listener(l).enabled()) continue;
            caps += config.maxConnections(l);
            keys.add(l + ".max-connections=" + config.maxConnections(l));
        }
        if (caps + DESCRIPTOR_RESERVE > limit) {
            log.warn("the listeners' connection caps add up to {} ({}), more than fit in this process's limit of {} "
                    + "file descriptors: a flood could use them all up (the listeners then pause and recover). Raise the "
                    + "limit (LimitNOFILE= in the systemd unit, ulimit -n) or lower the caps", caps,
                    String.join(", ", keys), limit);
        }
    }

    public TinyphoneConfig config() { return config; }

    public Bridge bridge() { return bridge; }

    /** Who may watch and command what (tokens, access.local, access.remote). */
    public AccessPolicy access() { return access; }

    /** The admin token the server made or read from its file, or null (token.* is set, or only this machine connects). */
    public AdminToken adminToken() { return adminToken; }

    /** The Prometheus registry behind /metrics (parts add their own meters here). */
    public PrometheusMeterRegistry metrics() { return metrics; }

    public Instant started() { return started; }

    /** The calls' media streams (stream.* keys; docs/streams.md). */
    public MediaStreams streams() { return streams; }

    /** The connected clients (null until the client listeners started). */
    public ClientSessions clients() { return clients; }

    void setClients(ClientSessions clientSessions) { this.clients = clientSessions; }

    /**
     * Registers a started listener (name like "relay", "fastagi", "audiosocket", "ami") with the port it
     * is bound to (-1 if none); it is closed when the server closes, in reverse order of registration.
     */
    public void register(String name, int port, AutoCloseable resource) {
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("server is closed");
            if (registered.containsKey(name)) throw new IllegalArgumentException("already registered: " + name);
            registered.put(name, new Registered(name, port, resource));
        } finally {
            lock.unlock();
        }
    }

    /** The bound port of a registered listener, or -1 when it is not running. */
    public int port(String name) {
        lock.lock();
        try {
            Registered r = registered.get(name);
            return r == null ? -1 : r.port();
        } finally {
            lock.unlock();
        }
    }

    /** Everything registered, in order. */
    public List<Registered> listeners() {
        lock.lock();
        try {
            return List.copyOf(registered.values());
        } finally {
            lock.unlock();
        }
    }

    /** e.g. "clients=12002 http=12003 relay=12001". */
    public String describeListeners() {
        StringBuilder sb = new StringBuilder();
        for (Registered r : listeners()) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(r.name()).append('=').append(r.port());
        }
        return sb.isEmpty() ? "(no listeners)" : sb.toString();
    }

    @Override
    public void close() {
        List<Registered> toClose;
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            toClose = new ArrayList<>(registered.values());
        } finally {
            lock.unlock();
        }
        Collections.reverse(toClose);
        // ingresses first (reverse order), so calls end with their own hangup cause where possible
        for (Registered r : toClose) {
            try {
                r.resource().close();
            } catch (Exception e) {
                log.warn("closing {}: {}", r.name(), e.toString());
            }
        }
        bridge.close();
        streams.close();
        metrics.close();
    }
}
