package org.tinyphone.server.stream;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.Numbers;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.server.sms.TwilioSignature;
import org.tinyphone.net.LogText;

/**
 * The media streams of the server: which app a dialed number's calls stream to ({@code stream.<number>}, else
 * {@code stream.*}), the settings every stream shares ({@code stream.*} keys of docs/config.md), one WebSocket client
 * (the JDK's {@link HttpClient}: TLS with the JDK's trust store) and the counters. An ingress calls {@link #open} when
 * a call has audio. Thread-safe.
 */
public final class MediaStreams {

    /** What every stream is allowed. */
    public record Settings(int retries, Duration retryDelay, Duration connectTimeout, int queue, int playFrames,
                           int maxMarks, int maxMessage) {
        /** The built-in defaults (docs/config.md). */
        public static Settings defaults() {
            return new Settings(3, Duration.ofSeconds(2), Duration.ofSeconds(5), 250, 3000, 1000, 262144);
        }
    }

    /**
     * Who the server says it is to the apps: {@code signingKey} (stream.auth-token) signs each handshake with
     * {@code X-Twilio-Signature} as Twilio does, {@code bearer} (stream.bearer-token) is sent as
     * {@code Authorization: Bearer}; empty = not sent.
     */
    public record Credentials(String signingKey, String bearer) {
        /** Nothing is sent. */
        public static final Credentials NONE = new Credentials("", "");

        @Override
        public String toString() { // secrets: never in a log
            return "Credentials[signingKey=" + (signingKey.isEmpty() ? "" : "(set)") + ", bearer="
                    + (bearer.isEmpty() ? "" : "(set)") + "]";
        }
    }

    private final Map<String, URI> apps;
    private final Settings settings;
    private final Credentials credentials;
    private final java.util.Set<String> allowedHosts; // lower case; "*" = any
    private final TwilioSignature signer; // null: no signing key
    private final Player.Ticker ticker;
    private volatile HttpClient http;
    private final InboundApps inbound = new InboundApps(this);
    final AtomicInteger active = new AtomicInteger();
    final AtomicLong opened = new AtomicLong();
    final AtomicLong droppedToApp = new AtomicLong();
    final AtomicLong droppedToCaller = new AtomicLong();
    final AtomicLong ignoredFromApp = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final LongAdder framesToApp = new LongAdder();
    final LongAdder framesToCaller = new LongAdder();
    final LongAdder marks = new LongAdder();
    final LongAdder bytesToApp = new LongAdder();
    final LongAdder bytesFromApp = new LongAdder();
    // clients of the native dialects listening (listen) and sending audio (send_audio)
    final LongAdder listens = new LongAdder();
    final LongAdder framesToClients = new LongAdder();
    final LongAdder droppedToClients = new LongAdder();
    final LongAdder framesFromClients = new LongAdder();
    final LongAdder droppedFromClients = new LongAdder();

    MediaStreams(Map<String, URI> apps, Settings settings, Credentials credentials, java.util.List<String> allow,
                 Player.Ticker ticker) {
        Map<String, URI> m = new TreeMap<>();
        apps.forEach((number, uri) -> m.put(number.equals("*") ? "*" : Numbers.normalize(number), uri));
        this.apps = Map.copyOf(m);
        java.util.Set<String> hosts = new java.util.HashSet<>();
        for (String h : allow) hosts.add(h.toLowerCase(java.util.Locale.ROOT));
        for (URI u : m.values()) hosts.add(u.getHost().toLowerCase(java.util.Locale.ROOT));
        this.allowedHosts = java.util.Set.copyOf(hosts);
        this.settings = settings;
        this.credentials = credentials;
        this.signer = credentials.signingKey().isEmpty() ? null : new TwilioSignature(credentials.signingKey());
        this.ticker = ticker;
    }

    /** No number streams anywhere. */
    public static MediaStreams none() {
        return new MediaStreams(Map.of(), Settings.defaults(), Credentials.NONE, java.util.List.of(), Player.Ticker.SYSTEM);
    }

    /** The config's {@code stream.*} keys. */
    public static MediaStreams from(TinyphoneConfig config) {
        Settings s = new Settings(config.integer("stream.retries"), config.duration("stream.retry-delay"),
                config.duration("stream.connect-timeout"), config.integer("stream.queue"),
                (int) Math.max(1, config.duration("stream.play-buffer").toMillis() / 20), 1000,
                config.integer("stream.max-message"));
        return new MediaStreams(config.streams(), s, new Credentials(config.get("stream.auth-token"),
                config.get("stream.bearer-token")), config.list("stream.allow"), Player.Ticker.SYSTEM);
    }

    /** For tests: the given apps and settings, and a ticker of the test's. */
    static MediaStreams of(Map<String, URI> apps, Settings settings, Player.Ticker ticker) {
        return new MediaStreams(apps, settings, Credentials.NONE, java.util.List.of(), ticker);
    }

    /** For tests: the given apps, settings and credentials. */
    static MediaStreams of(Map<String, URI> apps, Settings settings, Credentials credentials) {
        return new MediaStreams(apps, settings, credentials, java.util.List.of(), Player.Ticker.SYSTEM);
    }

    /** For tests: the given apps and settings, and the hosts subscribers may stream to (stream.allow). */
    static MediaStreams of(Map<String, URI> apps, Settings settings, java.util.List<String> allow) {
        return new MediaStreams(apps, settings, Credentials.NONE, allow, Player.Ticker.SYSTEM);
    }

    /** The app {@code number}'s calls stream to, if any. */
    public Optional<URI> appFor(String number) {
        URI u = apps.get(Numbers.normalize(number));
        return Optional.ofNullable(u != null ? u : apps.get("*"));
    }

    /**
     * The call has audio: streams it to its number's app at once, if it has one, and lets subscribers start and stop
     * streams with {@code stream} and {@code stop_stream}; a stream ends with the call's hangup. The ingress feeds the
     * caller's audio to the returned {@link CallAudio}.
     *
     * @param back where the app's audio goes (the caller), or null when this way in carries no audio back (the EAGI
     *             relay): the app's audio is then dropped, and said so once
     */
    public CallAudio attach(Call call, MediaStream.AudioBack back) {
        CallAudio audio = new CallAudio(this, call, back);
        Optional<MediaStream.Target> app = targetFor(call.number());
        if (app.isPresent() && !call.ended() && audio.open(app.get()) != null) opened.incrementAndGet();
        call.attachMedia(audio::command);
        return audio;
    }

    /**
     * Where {@code number}'s next call streams: an app waiting at /streams/{@code number} (else at /streams/*), else
     * the configured app.
     */
    private Optional<MediaStream.Target> targetFor(String number) {
        String n = Numbers.normalize(number);
        if (inbound.waiting(n) > 0) return Optional.of(new MediaStream.Target.Inbound(n));
        if (inbound.waiting("*") > 0) return Optional.of(new MediaStream.Target.Inbound("*"));
        return appFor(n).map(MediaStream.Target.Outbound::new);
    }

    /** The apps that connect in to the HTTP port's /streams/NUMBER. */
    public InboundApps inbound() {
        return inbound;
    }

    /** Closes the apps waiting at /streams/ (the server stops). */
    public void close() {
        inbound.close();
    }

    /** Why a subscriber may not have a call streamed to {@code url} (stream.allow), or null when it may. */
    String refusal(URI url) {
        String host = url.getHost().toLowerCase(java.util.Locale.ROOT);
        if (allowedHosts.contains("*") || allowedHosts.contains(host)) return null;
        return "the server does not stream to " + LogText.escape(url.getHost()) + ": config key stream.allow lists the hosts "
                + "subscribers may stream to" + (allowedHosts.isEmpty() ? " (none but the stream.<number> apps' hosts now)" : "");
    }

    /**
     * A WebSocket handshake to {@code app}, with the credentials' headers: {@code X-Twilio-Signature} is Twilio's
     * signature of the URL exactly as configured (query included, no POST parameters), so an app validates it with
     * Twilio's own libraries ({@code RequestValidator.validate(url, Map.of(), signature)}) and the shared secret as
     * the auth token.
     */
    java.net.http.WebSocket.Builder handshake(URI app) {
        java.net.http.WebSocket.Builder b = http().newWebSocketBuilder().connectTimeout(settings.connectTimeout());
        if (signer != null) b.header("X-Twilio-Signature", signer.sign(app.toString(), java.util.List.of()));
        if (!credentials.bearer().isEmpty()) b.header("Authorization", "Bearer " + credentials.bearer());
        return b;
    }

    Settings settings() {
        return settings;
    }

    Player.Ticker ticker() {
        return ticker;
    }

    HttpClient http() {
        HttpClient h = http;
        if (h == null) {
            synchronized (this) {
                h = http;
                if (h == null) {
                    // its own executor: the client's dependent tasks (the WebSocket handshake's) would otherwise
                    // queue on the common fork-join pool, one thread on two cores, behind whatever blocks it
                    h = HttpClient.newBuilder().connectTimeout(settings.connectTimeout())
                            .executor(java.util.concurrent.Executors.newThreadPerTaskExecutor(
                                    Thread.ofVirtual().name("tinyphone-stream-http-", 0).factory()))
                            .build();
                    http = h;
                }
            }
        }
        return h;
    }

    /**
     * Registers the streams' meters (Prometheus names): {@code tinyphone_stream_active}, {@code _started_total},
     * {@code _failed_total} (connections that could not be opened or broke during the call), {@code _retried_total},
     * {@code _frames_total{direction="to-app"|"to-caller"}} (20 ms frames sent to apps, played to callers),
     * {@code _frames_dropped_total{direction=…}} (the app behind; the play buffer full or no way back),
     * {@code _marks_total} (marks answered), {@code _ignored_total} (app messages that were no command) and
     * {@code _bytes_total{direction="to-app"|"from-app"}} (WebSocket text); for the native dialects' clients,
     * {@code _listens_total}, {@code _client_frames_total{direction="to-client"|"from-client"}} and
     * {@code _client_frames_dropped_total{direction=…}} (a listener behind; audio over the play buffer). The registry holds
     * this object weakly: the caller keeps it.
     */
    public void register(MeterRegistry registry) {
        Gauge.builder("tinyphone.stream.active", this, MediaStreams::active).description("Media streams open now")
                .register(registry);
        count(registry, "tinyphone.stream.started", null, MediaStreams::opened, "Media streams started (calls with a stream app)");
        count(registry, "tinyphone.stream.failed", null, m -> m.failed.get(),
                "Media stream connections that could not be opened or failed during the call");
        count(registry, "tinyphone.stream.retried", null, m -> m.retried.get(), "Media stream connections tried again after a failure");
        count(registry, "tinyphone.stream.frames", "to-app", m -> m.framesToApp.sum(), "20 ms frames of audio streamed");
        count(registry, "tinyphone.stream.frames", "to-caller", m -> m.framesToCaller.sum(), "20 ms frames of audio streamed");
        count(registry, "tinyphone.stream.frames.dropped", "to-app", MediaStreams::droppedToApp,
                "Messages to apps and frames to callers dropped: the app behind, the play buffer full, or no way back");
        count(registry, "tinyphone.stream.frames.dropped", "to-caller", MediaStreams::droppedToCaller,
                "Messages to apps and frames to callers dropped: the app behind, the play buffer full, or no way back");
        count(registry, "tinyphone.stream.marks", null, m -> m.marks.sum(), "Marks answered to apps");
        count(registry, "tinyphone.stream.ignored", null, MediaStreams::ignoredFromApp,
                "Messages from apps that were ignored (not JSON, unknown, too long, binary)");
        count(registry, "tinyphone.stream.bytes", "to-app", m -> m.bytesToApp.sum(), "WebSocket text to and from the apps");
        count(registry, "tinyphone.stream.bytes", "from-app", m -> m.bytesFromApp.sum(), "WebSocket text to and from the apps");
        count(registry, "tinyphone.stream.listens", null, m -> m.listens.sum(), "Clients' listen commands that started");
        count(registry, "tinyphone.stream.client.frames", "to-client", m -> m.framesToClients.sum(),
                "20 ms frames of callers' audio queued for listening clients, and of clients' audio played to callers");
        count(registry, "tinyphone.stream.client.frames", "from-client", m -> m.framesFromClients.sum(),
                "20 ms frames of callers' audio queued for listening clients, and of clients' audio played to callers");
        count(registry, "tinyphone.stream.client.frames.dropped", "to-client", m -> m.droppedToClients.sum(),
                "Frames a listening client was too far behind to take, and clients' audio over the play buffer");
        count(registry, "tinyphone.stream.client.frames.dropped", "from-client", m -> m.droppedFromClients.sum(),
                "Frames a listening client was too far behind to take, and clients' audio over the play buffer");
    }

    private void count(MeterRegistry registry, String name, String direction,
                       java.util.function.ToDoubleFunction<MediaStreams> value, String description) {
        FunctionCounter.Builder<MediaStreams> b = FunctionCounter.builder(name, this, value).description(description);
        if (direction != null) b.tag("direction", direction);
        b.register(registry);
    }

    /** Streams open now. */
    public int active() {
        return active.get();
    }

    /** Streams opened since start. */
    public long opened() {
        return opened.get();
    }

    /** Messages to apps dropped because an app was behind. */
    public long droppedToApp() {
        return droppedToApp.get();
    }

    /** Frames of apps' audio dropped because the play buffer was full. */
    public long droppedToCaller() {
        return droppedToCaller.get();
    }

    /** Messages from apps that were no command (not JSON, unknown, too long, binary). */
    public long ignoredFromApp() {
        return ignoredFromApp.get();
    }
}
