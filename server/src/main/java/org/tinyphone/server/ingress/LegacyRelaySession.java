package org.tinyphone.server.ingress;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

/**
 * One connection of the original per-call Ruby script: relay lines in, bridge calls out. Usually one call per
 * connection, but lines carry the call id, so several are handled. A call whose connection closes without a
 * {@code hangup} line is hung up ("relay closed"), as the original hub did. A malformed line is logged and skipped.
 */
final class LegacyRelaySession {
    private static final Logger log = LoggerFactory.getLogger(LegacyRelaySession.class);

    private final Bridge bridge;
    private final String peer;
    private final Map<String, Call> calls = new LinkedHashMap<>();

    LegacyRelaySession(Bridge bridge, String peer) {
        this.bridge = bridge;
        this.peer = peer;
    }

    /** Handles lines until the peer closes; {@code firstLine} was already read. */
    void run(String firstLine, LineReader lines) {
        try {
            String line = firstLine;
            while (line != null) {
                handle(line);
                line = lines.readLine();
            }
        } catch (IOException e) {
            log.warn("relay {}: {}; closing", peer, e.getMessage());
        } finally {
            for (Call call : calls.values()) {
                call.hangup("relay closed");
            }
            calls.clear();
        }
    }

    /** Applies one relay line. */
    void handle(String text) {
        if (text.isEmpty()) {
            return;
        }
        LegacyLine line;
        try {
            line = LegacyLine.parse(text);
            switch (line.event()) {
                case "new_call" -> newCall(line);
                case "keypress" -> existing(line).ifPresent(c -> c.keypress(line.key()));
                case "audio_level" -> existing(line).ifPresent(c -> c.audioLevel(Math.abs(line.level())));
                case "hangup" -> {
                    Call call = calls.remove(line.id());
                    if (call != null) {
                        call.hangup("caller");
                    } else {
                        log.debug("relay {}: hangup for unknown call {}", peer, line.id());
                    }
                }
                default -> log.warn("relay {}: unknown event '{}' in line '{}'", peer, line.event(), shorten(text));
            }
        } catch (IllegalArgumentException e) {
            log.warn("relay {}: {}: '{}'", peer, e.getMessage(), shorten(text));
        }
    }

    private void newCall(LegacyLine line) {
        if (calls.containsKey(line.id())) {
            log.warn("relay {}: second new_call for call {} ignored", peer, line.id());
            return;
        }
        LegacyLine.NewCall nc = line.newCall();
        Call call = bridge.open(new CallInfo(line.id(), nc.callerId(), "", nc.dnid(), nc.args(), "", "legacy", null), null);
        calls.put(line.id(), call);
    }

    private java.util.Optional<Call> existing(LegacyLine line) {
        Call call = calls.get(line.id());
        if (call == null) {
            log.debug("relay {}: {} for unknown call {}", peer, line.event(), line.id());
        }
        return java.util.Optional.ofNullable(call);
    }

    static String shorten(String text) {
        return text.length() > 120 ? text.substring(0, 120) + "..." : text;
    }
}
