package org.tinyphone.sim.ami;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The channels the simulated manager knows (and the global variables), and the events Asterisk sends about them:
 * Newchannel, AsyncAGIStart and AsyncAGIEnd, DTMFBegin/DTMFEnd, Hangup. Events go to every client that wants them
 * through the sink it is given. Thread-safe.
 */
final class ChannelTable {
    /** One channel: its name and ids, its variables, whether it runs AsyncAGI, whether it has hung up. */
    static final class Chan {
        final String name, uniqueId, linkedId;
        final Map<String, String> vars = new ConcurrentHashMap<>();
        volatile boolean asyncAgi;
        volatile boolean gone;

        Chan(String name, String uniqueId, String linkedId) {
            this.name = name;
            this.uniqueId = uniqueId;
            this.linkedId = linkedId;
        }
    }

    private final Map<String, String> globals = new ConcurrentHashMap<>();
    private final Map<String, Chan> channels = new ConcurrentHashMap<>();
    private final AtomicInteger uid = new AtomicInteger(1);
    private final AtomicInteger localSeq = new AtomicInteger();
    private final Consumer<List<String>> events;

    /** @param events sends an event to every logged-in client with events on */
    ChannelTable(Consumer<List<String>> events) {
        this.events = events;
    }

    /** The channel called {@code name}, or null (also once it hung up: see {@link Chan#gone}). */
    Chan get(String name) {
        return channels.get(name);
    }

    /** The channels that have not hung up. */
    List<Chan> live() {
        return channels.values().stream().filter(ch -> !ch.gone).toList();
    }

    /** A channel's variables, or the global ones for a null channel. */
    Map<String, String> vars(String channel) {
        return channel == null ? globals : channels.get(channel).vars;
    }

    /** The next number of a Local channel's name ({@code Local/...-0000000n;1}). */
    int nextLocalSeq() {
        return localSeq.getAndIncrement();
    }

    /** Creates a channel and emits Newchannel; returns its Uniqueid. */
    String newChannel(String name, String callerNum, String callerName, String exten) {
        String u = "1795447668." + uid.getAndIncrement();
        channels.put(name, new Chan(name, u, u));
        events.accept(channelEvent("Newchannel", name, u, 4, "Ring", callerNum, callerName, exten, List.of()));
        return u;
    }

    /** Emits an AsyncAGIStart for a new channel running {@code AGI(agi:async,args...)}; returns the channel name. */
    String startAsyncAgi(String callerNum, String exten, String... args) {
        String name = String.format("Local/%s@agi-test-%08x;2", exten, nextLocalSeq());
        newChannel(name, callerNum, "Caller", exten);
        asyncAgiStart(name, callerNum, "Caller", exten, args);
        return name;
    }

    /** Channel {@code name} enters {@code AGI(agi:async,args...)}: AsyncAGIStart with its url-encoded environment. */
    void asyncAgiStart(String name, String callerNum, String callerName, String exten, String... args) {
        Chan c = channels.get(name);
        c.asyncAgi = true;
        events.accept(channelEvent("AsyncAGIStart", name, c.uniqueId, 6, "Up", callerNum, callerName, exten,
                List.of("Env: " + SimulatedAsyncAgi.encode(SimulatedAsyncAgi.environment(name, c.uniqueId, callerNum, exten, args)))));
    }

    /** Channel {@code name} leaves AsyncAGI (ASYNCAGI BREAK): AsyncAGIEnd. */
    void asyncAgiEnd(Chan c) {
        c.asyncAgi = false;
        events.accept(List.of("Event: AsyncAGIEnd", "Privilege: agi,all", "Channel: " + c.name, "Uniqueid: " + c.uniqueId));
    }

    /** The other side hangs up: AsyncAGIEnd (if in AsyncAGI) and Hangup. */
    void hangup(String channelName) {
        Chan c = channels.get(channelName);
        if (c == null || c.gone) return;
        c.gone = true;
        if (c.asyncAgi) asyncAgiEnd(c);
        events.accept(List.of("Event: Hangup", "Privilege: call,all", "Channel: " + c.name, "Uniqueid: " + c.uniqueId,
                "Linkedid: " + c.linkedId, "Cause: 16", "Cause-txt: Normal Clearing"));
    }

    /** Emits DTMFBegin/DTMFEnd for each digit on a channel (as received from the caller). */
    void dtmf(String channelName, String digits) {
        Chan c = channels.get(channelName);
        String u = c == null ? "0" : c.uniqueId;
        for (char d : digits.toCharArray()) {
            events.accept(List.of("Event: DTMFBegin", "Privilege: dtmf,all", "Channel: " + channelName, "Uniqueid: " + u,
                    "Digit: " + d, "Direction: Received"));
            events.accept(List.of("Event: DTMFEnd", "Privilege: dtmf,all", "Channel: " + channelName, "Uniqueid: " + u,
                    "Digit: " + d, "DurationMs: 100", "Direction: Received"));
        }
    }

    private static List<String> channelEvent(String event, String name, String u, int state, String stateDesc,
                                             String num, String cname, String exten, List<String> extra) {
        List<String> l = new ArrayList<>(List.of("Event: " + event, "Privilege: call,all", "Channel: " + name,
                "ChannelState: " + state, "ChannelStateDesc: " + stateDesc, "CallerIDNum: " + num,
                "CallerIDName: " + cname, "ConnectedLineNum: <unknown>", "ConnectedLineName: <unknown>",
                "Language: en", "AccountCode: ", "Context: agi-test", "Exten: " + exten, "Priority: 1",
                "Uniqueid: " + u, "Linkedid: " + u));
        l.addAll(extra);
        return l;
    }
}
