package org.tinyphone.server.ingress;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LineReader;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallInfo;

/**
 * One connection of the original per-call Ruby script: legacy lines in, bridge calls out. Usually one call per
 * connection, but lines carry the call id, so several are handled. A call whose connection closes without a
 * {@code hangup} line is hung up ("relay closed"), as the original hub did. A malformed line is logged (escaped, a
 * few lines per 10 s at most however many come) and skipped.
 */
final class LegacyLineSession {
    private static final Logger log = LoggerFactory.getLogger(LegacyLineSession.class);
    private static final LogLimiter LIMITER = new LogLimiter(5, Duration.ofSeconds(10));

    private final Bridge bridge;
    private final String peer;
    private final Map<String, Call> calls = new LinkedHashMap<>();

    /** {@code peer} is escaped for the log already. */
    LegacyLineSession(Bridge bridge, String peer) {
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
            log.warn("relay {}: {}; closing", peer, LogText.escape(e.getMessage()));
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
                        log.debug("relay {}: hangup for unknown call {}", peer, LogText.escape(line.id()));
                    }
                }
                default -> LIMITER.warn(log, "relay unknown event", "relay {}: unknown event '{}' in line '{}'", peer,
                        LogText.escape(line.event()), shorten(text));
            }
        } catch (IllegalArgumentException e) {
            LIMITER.warn(log, "relay malformed line", "relay {}: {}: '{}'", peer, LogText.escape(e.getMessage()),
                    shorten(text));
        }
    }

    private void newCall(LegacyLine line) {
        if (calls.containsKey(line.id())) {
            LIMITER.warn(log, "relay second new_call", "relay {}: second new_call for call {} ignored", peer,
                    LogText.escape(line.id()));
            return;
        }
        LegacyLine.NewCall nc = line.newCall();
        Call call = bridge.open(new CallInfo(line.id(), nc.callerId(), "", nc.dnid(), nc.args(), "", "legacy", null), null);
        calls.put(line.id(), call);
    }

    private java.util.Optional<Call> existing(LegacyLine line) {
        Call call = calls.get(line.id());
        if (call == null) {
            log.debug("relay {}: {} for unknown call {}", peer, LogText.escape(line.event()), LogText.escape(line.id()));
        }
        return java.util.Optional.ofNullable(call);
    }

    /** A relay line for the log: escaped, cut after 120 characters. */
    static String shorten(String text) {
        return LogText.escape(text, 120);
    }
}
