package org.tinyphone.agi.fastagi;

import java.net.InetAddress;
import java.util.function.Predicate;
import org.tinyphone.agi.AgiApp;

/**
 * A {@link FastAgiServer}'s settings as one value, taken from its builder (timeouts in ms; {@code keepAliveTimers}
 * idle s, interval s, probes, or null for the system's; {@code fallback} null for the refusal).
 */
record FastAgiConfig(String bindHost, int port, AgiRoutes routes, AgiApp fallback, int environmentTimeoutMs,
                     int replyTimeoutMs, int maxLineLength, int backlog, int drainMs, int maxConnections,
                     Predicate<InetAddress> allow, int[] keepAliveTimers) {}
