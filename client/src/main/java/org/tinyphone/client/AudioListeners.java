package org.tinyphone.client;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The calls a client listens to and who gets their audio; frames and ends are passed on from the reader thread. */
final class AudioListeners {
    private static final Logger log = LoggerFactory.getLogger(TinyphoneClient.class);

    private final Map<String, AudioListener> byCall = new ConcurrentHashMap<>();

    /** Registers {@code listener} for {@code callId} before the listen is sent (frames may come before its result). */
    boolean add(String callId, AudioListener listener) {
        return byCall.putIfAbsent(callId, listener) == null;
    }

    /** Forgets a listen that did not start (its result was a failure). */
    void remove(String callId, AudioListener listener) {
        byCall.remove(callId, listener);
    }

    void frame(AudioFrame frame) {
        AudioListener l = byCall.get(frame.callId());
        if (l == null) {
            return; // a listen this client gave up (stopped) whose last frames were on the way
        }
        try {
            l.onFrame(frame);
        } catch (RuntimeException e) {
            log.warn("audio listener failed on a frame of {}", frame.callId(), e);
        }
    }

    void end(String callId, String reason, long frames, long lost) {
        AudioListener l = byCall.remove(callId);
        if (l == null) {
            return;
        }
        try {
            l.onEnd(callId, reason, frames, lost);
        } catch (RuntimeException e) {
            log.warn("audio listener failed on the end of {}", callId, e);
        }
    }

    /** The connection is gone: every listen ends with it (the server forgets them too). */
    void lostAll(String reason) {
        for (String callId : List.copyOf(byCall.keySet())) {
            end(callId, "connection lost: " + reason, -1, -1);
        }
    }
}
