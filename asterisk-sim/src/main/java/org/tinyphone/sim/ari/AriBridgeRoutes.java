package org.tinyphone.sim.ari;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import static org.tinyphone.sim.ari.AriRoutes.invalidMethod;
import static org.tinyphone.sim.ari.AriState.JSON;
import static org.tinyphone.sim.ari.AriState.event;
import static org.tinyphone.sim.ari.AriState.now;

import org.tinyphone.sim.ari.AriState.Br;
import org.tinyphone.sim.ari.AriState.Chan;

/** {@code /ari/bridges} of a {@link SimulatedAriAsterisk}: create, list, destroy, add and remove channels, play. Callers hold the state's lock. */
final class AriBridgeRoutes {
    private final AriState st;
    private final AriCalls calls;

    AriBridgeRoutes(AriState st, AriCalls calls) {
        this.st = st;
        this.calls = calls;
    }

    AriResponse bridges(AriRequest r, List<String> s, String m) {
        int n = s.size();
        if (n == 1) {
            if (m.equals("GET")) {
                ArrayNode a = JSON.createArrayNode();
                st.bridges.values().forEach(b -> a.add(st.brJson(b)));
                return AriResponse.ok(a.toString());
            }
            if (!m.equals("POST")) return invalidMethod("OPTIONS,GET,POST");
            String id = r.param("bridgeId") == null ? UUID.randomUUID().toString() : r.param("bridgeId");
            if (st.bridges.containsKey(id)) return AriResponse.error(409, "Conflict", "Bridge with id '" + id + "' already exists");
            Br b = new Br(id, r.param("type") == null ? "mixing" : r.param("type"), r.param("name") == null ? "" : r.param("name"), now());
            st.bridges.put(id, b);
            return AriResponse.ok(st.brJson(b).toString());
        }
        Br b = st.bridges.get(s.get(1));
        if (n == 2) {
            if (m.equals("GET")) return b == null ? AriResponse.error(404, "Not Found", "Bridge not found") : AriResponse.ok(st.brJson(b).toString());
            if (m.equals("DELETE")) {
                if (b == null) return AriResponse.error(404, "Not found", "Bridge not found");
                st.bridges.remove(b.id);
                for (String cid : List.copyOf(b.channels)) {
                    Chan c = st.channels.get(cid);
                    if (c != null) {
                        c.bridge = null;
                        b.channels.remove(cid);
                        ObjectNode x = JSON.createObjectNode();
                        x.set("bridge", st.brJson(b));
                        st.emitChan(c, "ChannelLeftBridge", x);
                    }
                }
                ObjectNode e = event("BridgeDestroyed");
                e.set("bridge", st.brJson(b));
                for (String app : st.connectedApps()) st.emit(app, e.deepCopy());
                return AriResponse.noContent();
            }
            return invalidMethod("OPTIONS,GET,DELETE");
        }
        String op = s.get(2);
        if (!m.equals("POST")) return invalidMethod("OPTIONS,POST");
        if (b == null) return AriResponse.error(404, "Not found", "Bridge not found");
        switch (op) {
            case "addChannel", "removeChannel" -> {
                String list = r.param("channel");
                if (list == null || list.isEmpty()) return AriResponse.error(400, "Bad Request", "Missing parameter channel");
                List<Chan> cs = new ArrayList<>();
                for (String id : list.split(",")) {
                    Chan c = st.channels.get(id);
                    if (c == null) return AriResponse.error(400, "Bad Request", "Channel not found");
                    if (c.app == null) return AriResponse.error(422, "Unprocessable Entity", "Channel not in Stasis application");
                    cs.add(c);
                }
                for (Chan c : cs) {
                    calls.note(c, r);
                    if (op.equals("addChannel")) {
                        if (c.bridge != null) {
                            Br old = st.bridges.get(c.bridge);
                            if (old != null) old.channels.remove(c.id);
                            ObjectNode x = JSON.createObjectNode();
                            x.set("bridge", st.brJson(old == null ? b : old));
                            st.emitChan(c, "ChannelLeftBridge", x);
                        }
                        c.bridge = b.id;
                        b.channels.add(c.id);
                        ObjectNode x = JSON.createObjectNode();
                        x.set("bridge", st.brJson(b));
                        st.emitChan(c, "ChannelEnteredBridge", x);
                    } else if (b.id.equals(c.bridge)) {
                        c.bridge = null;
                        b.channels.remove(c.id);
                        ObjectNode x = JSON.createObjectNode();
                        x.set("bridge", st.brJson(b));
                        st.emitChan(c, "ChannelLeftBridge", x);
                    } else {
                        return AriResponse.error(422, "Unprocessable Entity", "Channel not in this bridge");
                    }
                }
                return AriResponse.noContent();
            }
            case "play" -> {
                String app = b.channels.isEmpty() ? null : st.channels.get(b.channels.get(0)).application;
                return calls.play(app, "bridge:" + b.id, null, r, n > 3 ? s.get(3) : null);
            }
            default -> {
                return AriResponse.error(404, "Not Found", "Resource not found");
            }
        }
    }
}
