package org.tinyphone.sim.ami;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One client's connection to the simulated manager: its session, whether it has logged in and wants events, the
 * challenge it asked for (MD5 login); and how a response to one of its actions is written.
 */
final class ManagerClient {
    final FakeAmiSession session;
    volatile boolean loggedIn;
    volatile boolean events = true;
    volatile String challenge;

    ManagerClient(FakeAmiSession session) {
        this.session = session;
    }

    /** A response's first lines: {@code Response:} and the action's {@code ActionID}, if it had one. */
    static List<String> head(String response, AmiFrame a) {
        List<String> l = new ArrayList<>();
        l.add("Response: " + response);
        if (a.actionId() != null) l.add("ActionID: " + a.actionId());
        return l;
    }

    /** Answers action {@code a} with {@code response} and the lines {@code more}. */
    void reply(AmiFrame a, String response, String... more) throws IOException {
        List<String> l = head(response, a);
        l.addAll(List.of(more));
        session.send(l);
    }
}
