package org.tinyphone.sim.ari;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/** The REST faults a {@link SimulatedAriAsterisk} was told to inject: each for the next so many requests it matches. */
final class RestFaults {
    private record Pending(Predicate<AriRequest> which, RestFault fault, int[] left) {}

    private final List<Pending> pending = new ArrayList<>();   // guarded by this

    synchronized void add(Predicate<AriRequest> which, int times, RestFault fault) {
        if (times < 1) throw new IllegalArgumentException("times must be at least 1: " + times);
        pending.add(new Pending(which, fault, new int[] {times}));
    }

    /** The fault for this request (one of its times used up), or null: then it is answered as usual. */
    synchronized RestFault take(AriRequest r) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (!p.which().test(r)) continue;
            if (--p.left()[0] == 0) it.remove();
            return p.fault();
        }
        return null;
    }

    /** Reads of channel variable {@code name} ({@code GET channels/<channelId>/variable?variable=name}) of any channel (null) or one. */
    static Predicate<AriRequest> variableRead(String channelId, String name) {
        return r -> {
            List<String> s = r.segments();
            return r.method().equals("GET") && s.size() == 3 && s.get(0).equals("channels") && s.get(2).equals("variable")
                    && (channelId == null || s.get(1).equals(channelId)) && name.equals(r.param("variable"));
        };
    }
}
