package org.tinyphone.server.ingress;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Call;

/**
 * The AudioSocket UUIDs handed out for calls in progress, so that an AudioSocket connection joins the call it belongs
 * to. Two kinds: the bridge app's hand-off ({@code TINYPHONE_UUID}, {@link #register}), where the connection is the
 * whole call from then on (its keys, its audio, its end); and an ARI call's externalMedia channel
 * ({@link #registerAudio}), which only adds the caller's audio to a call whose keys and end come over ARI. A UUID is
 * claimed once; a hand-off never claimed within the join timeout hangs its call up (the dialplan did not reach
 * {@code AudioSocket()}), an audio join never claimed is only logged (the call goes on without levels). Thread-safe.
 */
public final class AudioSocketJoins {
    private static final Logger log = LoggerFactory.getLogger(AudioSocketJoins.class);
    /** The channel variable the bridge app sets to the call's AudioSocket UUID. */
    public static final String VARIABLE = "TINYPHONE_UUID";
    /** How long a handed-off call waits for its AudioSocket connection. */
    public static final Duration JOIN_TIMEOUT = Duration.ofSeconds(15);

    /** What a connection with a handed-out UUID joins: its call, and whether only for the audio. */
    public record Join(Call call, boolean audioOnly) {}

    private final ConcurrentHashMap<UUID, Join> waiting = new ConcurrentHashMap<>();
    private final Duration joinTimeout;

    public AudioSocketJoins() {
        this(JOIN_TIMEOUT);
    }

    AudioSocketJoins(Duration joinTimeout) {
        this.joinTimeout = joinTimeout;
    }

    /** A fresh UUID for a call whose audio, keys and end will come over AudioSocket (the bridge app's hand-off). */
    public UUID register(Call call) {
        return register(new Join(call, false));
    }

    /** A fresh UUID for a connection that only carries the audio of {@code call} (ARI externalMedia). */
    public UUID registerAudio(Call call) {
        return register(new Join(call, true));
    }

    private UUID register(Join join) {
        UUID uuid = UUID.randomUUID();
        Call call = join.call();
        waiting.put(uuid, join);
        // a hand-off's UUID is forgotten with its call; an audio join's stays until claimed or timed out, so that a
        // connection Asterisk makes after the call ended is recognised (and closed) instead of becoming a call of its own
        if (!join.audioOnly()) call.whenHungUp().whenComplete((cause, error) -> waiting.remove(uuid, join));
        CompletableFuture.delayedExecutor(joinTimeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (!waiting.remove(uuid, join)) return;
            if (join.audioOnly()) {
                if (call.ended()) return;
                log.warn("call {}: Asterisk did not connect the caller's audio (AudioSocket {}) within {} s: no audio levels "
                        + "for this call (can Asterisk reach the AudioSocket listener? ari.audio-host)",
                        LogText.escape(call.id()), uuid, joinTimeout.toSeconds());
            } else {
                call.hangup("no AudioSocket connection within " + joinTimeout.toSeconds() + " s");
            }
        });
        return uuid;
    }

    /** Takes what waits for this UUID (once); an audio join is returned also when its call has ended meanwhile. */
    public Optional<Join> claim(UUID uuid) {
        Join join = waiting.remove(uuid);
        return join == null || !join.audioOnly() && join.call().ended() ? Optional.empty() : Optional.of(join);
    }

    /** UUIDs handed out and not yet claimed. */
    public int waiting() {
        return waiting.size();
    }
}
