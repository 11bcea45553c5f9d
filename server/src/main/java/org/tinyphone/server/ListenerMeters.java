package org.tinyphone.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;
import org.tinyphone.net.ListenerStats;

/**
 * A listener's {@link ListenerStats} as meters, tagged {@code listener=<name>} (Prometheus names):
 * <ul>
 *   <li>{@code tinyphone_listener_accepted_total}: connections handed to the listener's protocol;</li>
 *   <li>{@code tinyphone_listener_refused_total{reason="cap"|"per-address"|"allow-list"|"deadline"}}: closed at once
 *       over the connection cap or one other host's share of it ({@code listeners.max-per-address}), closed at
 *       accept for a peer not on the allow-list, closed for not saying who they are
 *       within {@code listeners.handshake-timeout};</li>
 *   <li>{@code tinyphone_listener_accept_errors_total}: failed accepts (out of descriptors …), each retried;</li>
 *   <li>{@code tinyphone_listener_connections_open}: open now.</li>
 * </ul>
 */
public final class ListenerMeters {
    private ListenerMeters() {}

    /** Registers the meters of listener {@code name}. */
    public static void register(MeterRegistry registry, String name, ListenerStats stats) {
        counter(registry, "tinyphone.listener.accepted", name, null, stats, ListenerStats::accepted,
                "Connections handed to the listener's protocol");
        counter(registry, "tinyphone.listener.refused", name, "cap", stats, ListenerStats::refusedByCap,
                "Connections refused: over the cap, over one host's share, not on the allow-list, or silent past the handshake deadline");
        counter(registry, "tinyphone.listener.refused", name, "allow-list", stats, ListenerStats::refusedByAllowList,
                "Connections refused: over the cap, over one host's share, not on the allow-list, or silent past the handshake deadline");
        counter(registry, "tinyphone.listener.refused", name, "per-address", stats, ListenerStats::refusedByAddressLimit,
                "Connections refused: over the cap, over one host's share, not on the allow-list, or silent past the handshake deadline");
        counter(registry, "tinyphone.listener.refused", name, "deadline", stats, ListenerStats::closedByDeadline,
                "Connections refused: over the cap, over one host's share, not on the allow-list, or silent past the handshake deadline");
        counter(registry, "tinyphone.listener.accept.errors", name, null, stats, ListenerStats::acceptErrors,
                "Failed accepts (e.g. out of file descriptors), each retried after a pause");
        Gauge.builder("tinyphone.listener.connections.open", stats, ListenerStats::open).tag("listener", name)
                .description("Connections open now").register(registry);
    }

    private static void counter(MeterRegistry registry, String meter, String listener, String reason,
                                ListenerStats stats, ToDoubleFunction<ListenerStats> value, String description) {
        FunctionCounter.Builder<ListenerStats> b = FunctionCounter.builder(meter, stats, value).tag("listener", listener)
                .description(description);
        if (reason != null) b.tag("reason", reason);
        b.register(registry);
    }
}
