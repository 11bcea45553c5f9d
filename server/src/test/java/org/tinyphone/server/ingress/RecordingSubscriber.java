package org.tinyphone.server.ingress;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.Subscriber;

/** Keeps every event the bridge delivers, in order; optionally reacts to each (without blocking). */
final class RecordingSubscriber implements Subscriber {
    final List<CallEvent> events = new CopyOnWriteArrayList<>();
    private final Consumer<CallEvent> reaction;

    RecordingSubscriber() {
        this(e -> { });
    }

    RecordingSubscriber(Consumer<CallEvent> reaction) {
        this.reaction = reaction;
    }

    @Override
    public void onEvent(CallEvent event) {
        events.add(event);
        reaction.accept(event);
    }

    <T extends CallEvent> List<T> of(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (CallEvent e : events) {
            if (type.isInstance(e)) {
                out.add(type.cast(e));
            }
        }
        return out;
    }

    String keys() {
        StringBuilder sb = new StringBuilder();
        for (CallEvent.Keypress k : of(CallEvent.Keypress.class)) {
            sb.append(k.digit());
        }
        return sb.toString();
    }

    /** Event types in order, audio levels left out. */
    List<String> typesWithoutLevels() {
        List<String> out = new ArrayList<>();
        for (CallEvent e : events) {
            if (!(e instanceof CallEvent.AudioLevel)) {
                out.add(e instanceof CallEvent.Keypress k ? "keypress " + k.digit() : e.type());
            }
        }
        return out;
    }
}
