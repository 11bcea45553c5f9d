package org.tinyphone.server.ingress;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.audio.audiosocket.AudioSocketEvent;
import org.tinyphone.audio.audiosocket.AudioSocketServer;
import org.tinyphone.audio.audiosocket.AudioSocketSession;
import org.tinyphone.net.ListenerStats;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallControl;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.server.config.AddressAllowList;
import org.tinyphone.server.stream.CallAudio;
import org.tinyphone.server.stream.MediaStream;
import org.tinyphone.server.stream.MediaStreams;

/**
 * AudioSocket (9092), on the audio module's {@link AudioSocketServer}: {@code AudioSocket(<uuid>,127.0.0.1:9092)}
 * sends a UUID frame, then 20 ms signed-linear audio frames and DTMF frames, and closes at hangup (Asterisk 22
 * sends no hangup frame). The connection joins the call the bridge app handed that UUID out for
 * ({@code TINYPHONE_UUID}); an unknown UUID becomes a call of its own, id = the UUID, dialed number
 * {@value #UNKNOWN_NUMBER} (watch "*" to see it). DTMF frames become keypresses, audio becomes {@code audio_level}
 * (about 15 a second, only while audio flows); the close is the call's hangup. A call hung up from our side (an
 * app's hangup command) gets the hangup frame, which ends Asterisk's AudioSocket(). A number with a media stream app
 * ({@code stream.<number>}) gets the call's audio streamed to it, and the app's audio played back on this connection.
 *
 * <p>An ARI call's externalMedia channel ({@link AudioSocketJoins#registerAudio}) connects here too, and adds only the
 * caller's audio to its call (see {@link #serveAudio}).
 */
public final class AudioSocketIngress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AudioSocketIngress.class);
    /** The dialed number of an AudioSocket call whose UUID no bridge app handed out. */
    public static final String UNKNOWN_NUMBER = "unknown";
    /** The way in of an AudioSocket call, its FastAGI hand-off included. */
    static final String VIA = "audiosocket";
    static final int DEFAULT_MAX_CONNECTIONS = 5000;
    static final Duration DEFAULT_UUID_TIMEOUT = Duration.ofSeconds(5);

    private final Bridge bridge;
    private final AudioSocketJoins joins;
    private final AudioSocketServer server;
    private final MediaStreams streams;

    private AudioSocketIngress(Bridge bridge, AudioSocketJoins joins, String bind, int port, AddressAllowList allow,
                               int maxConnections, Duration uuidTimeout, MediaStreams streams) throws IOException {
        this.bridge = bridge;
        this.streams = streams;
        this.joins = joins == null ? new AudioSocketJoins() : joins;
        AudioSocketServer.Builder b = AudioSocketServer.builder().bindAddress(InetAddress.getByName(bind)).port(port)
                .maxConnections(maxConnections).uuidTimeout(uuidTimeout).handler(this::serve);
        if (allow != null) b.allowFrom(allow::allows); // checked at accept, before the UUID frame
        this.server = b.start();
    }

    /** Starts listening ({@code port} 0: any free port) with the audio module's default cap and UUID deadline. */
    public static AudioSocketIngress start(Bridge bridge, AudioSocketJoins joins, String bind, int port,
                                           AddressAllowList allow) throws IOException {
        return new AudioSocketIngress(bridge, joins, bind, port, allow, DEFAULT_MAX_CONNECTIONS, DEFAULT_UUID_TIMEOUT,
                MediaStreams.none());
    }

    /** As above, with a connection cap and a deadline for the UUID frame. */
    public static AudioSocketIngress start(Bridge bridge, AudioSocketJoins joins, String bind, int port,
                                           AddressAllowList allow, int maxConnections, Duration uuidTimeout)
            throws IOException {
        return new AudioSocketIngress(bridge, joins, bind, port, allow, maxConnections, uuidTimeout, MediaStreams.none());
    }

    /** As above; calls stream their audio to their number's app ({@code stream.<number>}), both ways. */
    public static AudioSocketIngress start(Bridge bridge, AudioSocketJoins joins, String bind, int port,
                                           AddressAllowList allow, int maxConnections, Duration uuidTimeout,
                                           MediaStreams streams) throws IOException {
        return new AudioSocketIngress(bridge, joins, bind, port, allow, maxConnections, uuidTimeout, streams);
    }

    public int port() {
        return server.port();
    }

    /** The listener's counters (accepted, refused by allow-list, cap and UUID deadline, accept errors, open). */
    public ListenerStats stats() {
        return server.stats();
    }

    /**
     * The talk-back channel of a call waiting for its AudioSocket connection: only {@code hangup}; other commands
     * need an AGI session.
     */
    static CallControl hangupOnlyControl(Call call) {
        return hangupOnlyControl(() -> CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)
                .execute(() -> call.hangup("app")));
    }

    /** As above; {@code hangup} runs the action (which must not end the call synchronously). */
    private static CallControl hangupOnlyControl(Runnable hangup) {
        return command -> CompletableFuture.completedFuture(switch (command) {
            case CallCommand.Hangup h -> {
                hangup.run();
                yield CommandResult.ok("");
            }
            default -> CommandResult.failed(command.kind() + " is not possible on an AudioSocket call: "
                    + "play, say and collect need the AGI session (FastAGI or the relay)");
        });
    }

    private void serve(AudioSocketSession session) {
        Optional<AudioSocketJoins.Join> join = joins.claim(session.uuid());
        if (join.isPresent() && join.get().audioOnly()) {
            serveAudio(session, join.get().call());
            return;
        }
        Call call = join.map(AudioSocketJoins.Join::call).orElseGet(() -> bridge.open(new CallInfo(session.uuid().toString(),
                "", "", UNKNOWN_NUMBER, null, "", VIA, null), null));
        AtomicBoolean appHangup = new AtomicBoolean();
        // an app's hangup asks Asterisk to end AudioSocket(); the call ends when it closes the connection
        call.attachControl(hangupOnlyControl(() -> {
            appHangup.set(true);
            sendHangup(session);
        }));
        call.whenHungUp().whenComplete((cause, error) -> sendHangup(session));
        CallAudio stream = streams.attach(call, back(session));
        AudioSocketEvent.Closed end = session.forEach(event -> {
            switch (event) {
                case AudioSocketEvent.Dtmf d -> call.keypress(d.digit());
                case AudioSocketEvent.Audio a -> {
                    stream.audio(a.sampleRate(), a.pcm(), 0, a.pcm().length);
                }
                case AudioSocketEvent.Level l -> call.audioLevel(l.peak());
                case AudioSocketEvent.Error e -> log.info("audiosocket {}: Asterisk reported error {}", session.uuid(),
                        e.code());
                default -> { }
            }
        });
        String cause = switch (end.reason()) {
            case PEER_CLOSED, PEER_HANGUP -> appHangup.get() ? "app" : "caller";
            case HANGUP_SENT, LOCAL_CLOSE -> appHangup.get() ? "app" : "hangup";
            case PROTOCOL_ERROR -> "audiosocket protocol error: " + end.detail();
            case IO_ERROR -> "audiosocket connection failed";
        };
        call.hangup(cause);
    }

    /**
     * An ARI call's externalMedia channel (capture 10c): only the caller's audio joins the call. Its keys are the ARI
     * DTMF events (the DTMF frames here are the same keys again, so they are dropped), and its end is the ARI call's:
     * this connection closing ends nothing, and when the call ends the hangup frame ends the channel.
     */
    private void serveAudio(AudioSocketSession session, Call call) {
        call.whenHungUp().whenComplete((cause, error) -> sendHangup(session));
        CallAudio stream = streams.attach(call, back(session));
        AudioSocketEvent.Closed end = session.forEach(event -> {
            switch (event) {
                case AudioSocketEvent.Audio a -> {
                    stream.audio(a.sampleRate(), a.pcm(), 0, a.pcm().length);
                }
                case AudioSocketEvent.Level l -> call.audioLevel(l.peak());
                case AudioSocketEvent.Error e -> log.info("audiosocket {} (audio of call {}): Asterisk reported error {}",
                        session.uuid(), LogText.escape(call.id()), e.code());
                default -> { }
            }
        });
        if (!call.ended()) {
            log.info("audiosocket {}: the audio of call {} ended ({}{}); the call goes on without audio levels", session.uuid(),
                    LogText.escape(call.id()), end.reason(), end.detail().isEmpty() ? "" : ": " + LogText.escape(end.detail()));
            stream.audioEnded("audio ended"); // its listeners get their end; the call goes on
        }
    }

    /** The app's audio to the caller: audio frames on this connection, at the rate the caller's audio comes in. */
    private static MediaStream.AudioBack back(AudioSocketSession session) {
        return (rate, pcm) -> session.sendAudio(rate, pcm, 0, pcm.length);
    }

    private static void sendHangup(AudioSocketSession session) {
        try {
            session.hangup();
        } catch (IOException ignored) {
            // Asterisk is gone already
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
