package org.tinyphone.server.ingress;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.tinyphone.server.bridge.Call;

/**
 * The AudioSocket UUIDs the bridge app handed out ({@code TINYPHONE_UUID}), so an AudioSocket connection joins the
 * call it belongs to. A UUID lives as long as its call. Thread-safe.
 */
public final class AudioSocketJoins {
    /** The channel variable the bridge app sets to the call's AudioSocket UUID. */
    public static final String VARIABLE = "TINYPHONE_UUID";

    private final ConcurrentHashMap<UUID, Call> calls = new ConcurrentHashMap<>();

    /** A fresh UUID for a call; released when the call ends. */
    public UUID register(Call call) {
        UUID uuid = UUID.randomUUID();
        calls.put(uuid, call);
        call.whenHungUp().whenComplete((cause, error) -> calls.remove(uuid));
        return uuid;
    }

    /** The call in progress a UUID was handed out for. */
    public Optional<Call> find(UUID uuid) {
        Call call = calls.get(uuid);
        return call == null || call.ended() ? Optional.empty() : Optional.of(call);
    }

    /** UUIDs currently handed out. */
    public int size() {
        return calls.size();
    }
}
