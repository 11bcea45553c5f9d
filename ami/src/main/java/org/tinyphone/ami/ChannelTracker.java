package org.tinyphone.ami;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.tinyphone.ami.codec.AmiMessage;

/**
 * Keeps a {@link Channel} per Uniqueid from the event stream (Newchannel, Newstate, NewCallerid,
 * NewConnectedLine, Newexten, VarSet, DTMFEnd, DialBegin, BridgeEnter/Leave, Hangup). Hung-up channels leave
 * the live set (apps holding them keep the final state). {@link #refresh()} seeds it with CoreShowChannels, e.g.
 * after a reconnect, since events sent while disconnected are lost.
 */
public final class ChannelTracker implements AutoCloseable {
    private final ManagerConnection ami;
    private final Map<String, Channel> live = new ConcurrentHashMap<>();
    private final List<ListenerQueue<Channel>> newListeners = new CopyOnWriteArrayList<>();
    private final Consumer<AmiMessage> listener = this::onEvent;
    private final AmiSubscription stateSub;

    private ChannelTracker(ManagerConnection ami) {
        this.ami = ami;
        ami.addInternalListener(listener);
        this.stateSub = ami.onState(s -> {
            if (s == ConnectionState.LOGGED_IN) refresh();
        });
    }

    /** Starts tracking channels on this connection (events must be on, class {@code call} at least). */
    public static ChannelTracker track(ManagerConnection ami) { return new ChannelTracker(ami); }

    ManagerConnection ami() { return ami; }

    /** The live channel with this Uniqueid, if any. */
    public Optional<Channel> get(String uniqueId) { return Optional.ofNullable(live.get(uniqueId)); }

    /** The live channel with this name, if any. */
    public Optional<Channel> byName(String name) {
        return live.values().stream().filter(c -> name.equals(c.name())).findFirst();
    }

    /** Live channels. */
    public Collection<Channel> all() { return List.copyOf(live.values()); }

    /** Called (on its own virtual thread) for every new channel. */
    public AmiSubscription onNewChannel(Consumer<Channel> l) {
        AtomicReference<ListenerQueue<Channel>> self = new AtomicReference<>();
        self.set(new ListenerQueue<>("newchannel", null, l, 10_000, () -> newListeners.remove(self.get())));
        newListeners.add(self.get());
        return self.get();
    }

    /**
     * Re-reads the live channels with CoreShowChannels (does not block the caller): adds the ones we missed, and
     * ends the ones that are gone (hung up while the connection was down), waking anyone waiting on them.
     */
    public void refresh() {
        Set<String> before = Set.copyOf(live.keySet());   // only these can be judged gone: later ones are newer than the list
        ami.send(AmiAction.of("CoreShowChannels"), Duration.ofSeconds(30)).thenAccept(r -> {
            if (!r.isSuccess()) return;
            Set<String> seen = new java.util.HashSet<>();
            for (AmiMessage m : r.items()) {
                String u = m.get("Uniqueid");
                if (u == null) continue;
                seen.add(u);
                boolean[] added = {false};
                Channel c = live.computeIfAbsent(u, id -> {
                    added[0] = true;
                    return new Channel(this, id);
                });
                c.apply(m);
                if (added[0]) for (ListenerQueue<Channel> l : newListeners) l.offer(c);
            }
            for (Channel c : live.values()) {
                if (before.contains(c.uniqueId()) && !seen.contains(c.uniqueId()) && live.remove(c.uniqueId(), c)) {
                    c.hangupEvent(AmiMessage.of("Event: Hangup", "Cause: 0", "Cause-txt: Hung up while the AMI connection was down"));
                }
            }
        });
    }

    Set<Channel> linkedTo(Channel c) {
        Set<Channel> out = new LinkedHashSet<>();
        for (Channel o : live.values()) {
            if (o == c) continue;
            boolean same = c.linkedId() != null && c.linkedId().equals(o.linkedId());
            boolean dial = c.dialedIds().contains(o.uniqueId()) || o.dialedIds().contains(c.uniqueId());
            boolean bridge = c.bridgeId() != null && c.bridgeId().equals(o.bridgeId());
            if (same || dial || bridge) out.add(o);
        }
        return out;
    }

    private void onEvent(AmiMessage m) {
        String name = m.eventName();
        if (name == null) return;
        switch (name) {
            case "Newchannel" -> {
                String u = m.get("Uniqueid");
                if (u == null) return;
                Channel c = new Channel(this, u);
                c.apply(m);
                if (live.putIfAbsent(u, c) == null) {
                    for (ListenerQueue<Channel> l : newListeners) l.offer(c);
                }
            }
            case "Newstate", "NewCallerid", "NewConnectedLine", "Newexten", "Rename" -> {
                Channel c = channel(m);
                if (c != null) {
                    c.apply(m);
                    if (name.equals("Rename") && m.get("Newname") != null) c.apply(AmiMessage.of("Channel: " + m.get("Newname")));
                }
            }
            case "VarSet" -> {
                Channel c = channel(m);
                if (c != null) c.varSet(m.get("Variable"), m.get("Value"));
            }
            case "DTMFEnd" -> {
                Channel c = channel(m);
                String d = m.get("Digit");
                if (c != null && d != null && !d.isEmpty() && m.is("Direction", "Received")) c.digit(d.charAt(0));
            }
            case "DialBegin" -> {
                Channel c = channel(m);
                String dest = m.get("DestUniqueid");
                if (c != null && dest != null) c.dialedIds().add(dest);
            }
            case "BridgeEnter" -> {
                Channel c = channel(m);
                if (c != null) c.bridge(m.get("BridgeUniqueid"));
            }
            case "BridgeLeave" -> {
                Channel c = channel(m);
                if (c != null) c.bridge(null);
            }
            case "Hangup" -> {
                String u = m.get("Uniqueid");
                Channel c = u == null ? null : live.remove(u);
                if (c != null) {
                    c.apply(m);
                    c.hangupEvent(m);
                }
            }
            default -> { }
        }
    }

    private Channel channel(AmiMessage m) {
        String u = m.get("Uniqueid");
        return u == null ? null : live.get(u);
    }

    @Override
    public void close() {
        ami.removeInternalListener(listener);
        stateSub.close();
        for (ListenerQueue<Channel> l : newListeners) l.close();
    }
}
