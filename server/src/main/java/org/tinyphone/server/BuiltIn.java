package org.tinyphone.server;

import java.util.List;

/** The parts every server has: client listeners (TCP and HTTP + WebSocket). */
final class BuiltIn {
    private BuiltIn() {}

    static List<ServerPart> parts() {
        return List.of();
    }
}
