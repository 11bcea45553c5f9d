package org.tinyphone.ari;

import java.time.Instant;

/** {@code GET /asterisk/ping}: {@code {"ping":"pong","timestamp":...,"asterisk_id":...}}. */
public record AsteriskPing(String ping, Instant timestamp, String asteriskId) {}
