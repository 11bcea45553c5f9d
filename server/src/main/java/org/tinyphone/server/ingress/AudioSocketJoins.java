package org.tinyphone.server.ingress;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.tinyphone.server.bridge.Call;

/**
 * The AudioSocket UUIDs the bridge app handed out ({@code TINYPHONE_UUID}), so that an AudioSocket connection joins
 * the call it belongs to. A UUID is claimed once; one never claimed within the join timeout hangs its call up (the
 * dialplan did not reach {@code AudioSocket()}). Thread-safe.
 */
public final class AudioSocketJoins {
    /** The channel variable the bridge app sets to the call's AudioSocket UUID. */
    public static final String VARIABLE = "TINYPHONE_UUID";
    /** How long a handed-off call waits for its AudioSocket connection. */
    public static final Duration JOIN_TIMEOUT = Duration.ofSeconds(15);

    private final ConcurrentHashMap<UUID, Call> waiting = new ConcurrentHashMap<>();
    private final Duration joinTimeout;

    public AudioSocketJoins() {
        this(JOIN_TIMEOUT);
    }

    AudioSocketJoins(Duration joinTimeout) {
        this.joinTimeout = joinTimeout;
    }

    /** A fresh UUID for a call whose audio will come over AudioSocket. */
    public UUID register(Call call) {
        UUID uuid = UUID.randomUUID();
        waiting.put(uuid, call);
        call.whenHungUp().whenComplete((cause, error) -> waiting.remove(uuid));
        CompletableFuture.delayedExecutor(joinTimeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (waiting.remove(uuid, call)) {
                call.hangup("no AudioSocket connection within " + joinTimeout.toSeconds() + " s");
            }
        });
        return uuid;
    }

    /** Takes the call waiting for this UUID (once). */
    public Optional<Call> claim(UUID uuid) {
        Call call = waiting.remove(uuid);
        return call == null || call.ended() ? Optional.empty() : Optional.of(call);
    }

    /** UUIDs handed out and not yet claimed. */
    public int waiting() {
        return waiting.size();
    }
}
