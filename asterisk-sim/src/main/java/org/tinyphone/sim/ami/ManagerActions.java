package org.tinyphone.sim.ami;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The simulated manager's answers to every action but the session's own (Challenge, Login, Ping, Logoff, Events,
 * Filter: {@link AsteriskSimulator}): Command ({@code core show version}, {@code core show channels}), the
 * CoreShowChannels and Status event lists, Setvar/GetVar, Hangup, Redirect, PlayDTMF, UserEvent, Originate (Async,
 * with OriginateResponse) and AGI ({@link SimulatedAsyncAgi}); anything else is Asterisk's unknown-command error.
 */
final class ManagerActions {
    private final ChannelTable channels;
    private final SimulatedAsyncAgi asyncAgi;
    private final Consumer<List<String>> events;
    private volatile boolean dropMidList;

    /** @param events sends an event to every logged-in client with events on */
    ManagerActions(ChannelTable channels, SimulatedAsyncAgi asyncAgi, Consumer<List<String>> events) {
        this.channels = channels;
        this.asyncAgi = asyncAgi;
        this.events = events;
    }

    /** CoreShowChannels/Status: send the start response and one item, then close. */
    void dropMidList(boolean v) {
        dropMidList = v;
    }

    /**
     * Answers action {@code a} (named {@code name}, {@code lower} in lower case) from a logged-in client; returns false
     * when the connection must close.
     */
    boolean handle(ManagerClient c, AmiFrame a, String name, String lower) throws IOException {
        switch (lower) {
            case "command" -> command(c, a);
            case "coreshowchannels", "status" -> {
                return list(c, a, lower.equals("coreshowchannels"));
            }
            case "setvar" -> {
                String ch = a.get("Channel");
                if (ch != null && channels.get(ch) == null) {
                    c.reply(a, "Error", "Message: No such channel");
                } else {
                    channels.vars(ch).put(a.get("Variable"), a.get("Value") == null ? "" : a.get("Value"));
                    if (ch != null) {
                        ChannelTable.Chan x = channels.get(ch);
                        events.accept(List.of("Event: VarSet", "Privilege: dialplan,all", "Channel: " + ch, "Uniqueid: " + x.uniqueId,
                                "Variable: " + a.get("Variable"), "Value: " + a.get("Value")));
                    }
                    c.reply(a, "Success", "Message: Variable Set");
                }
            }
            case "getvar" -> {
                String ch = a.get("Channel");
                if (ch != null && channels.get(ch) == null) {
                    c.reply(a, "Error", "Message: No such channel");
                } else {
                    Map<String, String> vars = channels.vars(ch);
                    c.reply(a, "Success", "Variable: " + a.get("Variable"), "Value: " + vars.getOrDefault(a.get("Variable"), ""));
                }
            }
            case "hangup" -> {
                ChannelTable.Chan ch = channels.get(String.valueOf(a.get("Channel")));
                if (ch == null || ch.gone) {
                    c.reply(a, "Error", "Message: No such channel");
                } else {
                    c.reply(a, "Success", "Message: Channel Hungup");
                    channels.hangup(ch.name);
                }
            }
            case "redirect", "playdtmf" -> {
                ChannelTable.Chan ch = channels.get(String.valueOf(a.get("Channel")));
                if (ch == null || ch.gone) c.reply(a, "Error", "Message: No such channel");
                else if (lower.equals("redirect")) c.reply(a, "Success", "Message: Redirect successful");
                else c.reply(a, "Success", "Message: DTMF successfully queued");
            }
            case "userevent" -> {
                c.reply(a, "Success");
                List<String> ev = new ArrayList<>(List.of("Event: UserEvent", "Privilege: user,all", "UserEvent: " + a.get("UserEvent")));
                for (String[] kv : a.fields()) {
                    if (!kv[0].equalsIgnoreCase("Action") && !kv[0].equalsIgnoreCase("ActionID") && !kv[0].equalsIgnoreCase("UserEvent")) {
                        ev.add(kv[0] + ": " + kv[1]);
                    }
                }
                events.accept(ev);
            }
            case "originate" -> originate(c, a);
            case "agi" -> asyncAgi.action(c, a);
            default -> c.reply(a, "Error", "Message: Invalid/unknown command: " + name
                    + ". Use Action: ListCommands to show available commands.");
        }
        return true;
    }

    private void command(ManagerClient c, AmiFrame a) throws IOException {
        String cmd = a.get("Command") == null ? "" : a.get("Command");
        if (cmd.equals("core show version")) {
            c.reply(a, "Success", "Message: Command output follows",
                    "Output: Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-23 15:10:59 UTC");
        } else if (cmd.equals("core show channels")) {
            List<ChannelTable.Chan> live = channels.live();
            List<String> l = ManagerClient.head("Success", a);
            l.add("Message: Command output follows");
            l.add("Output: Channel                                                          Location                         State   Application(Data)             ");
            for (ChannelTable.Chan ch : live) l.add("Output: " + ch.name);
            l.add("Output: " + live.size() + " active channels");
            c.session.send(l);
        } else {
            c.reply(a, "Error", "Message: Command output follows", "Output: No such command '" + cmd
                    + "' (type 'core show help " + cmd + "' for other possible commands)");
        }
    }

    /** CoreShowChannels ({@code csc}) or Status: the start response, one event per live channel, the complete event. */
    private boolean list(ManagerClient c, AmiFrame a, boolean csc) throws IOException {
        List<ChannelTable.Chan> live = channels.live();
        c.reply(a, "Success", "EventList: start", "Message: " + (csc ? "Channels will follow" : "Channel status will follow"));
        int n = 0;
        for (ChannelTable.Chan ch : live) {
            List<String> ev = new ArrayList<>();
            ev.add("Event: " + (csc ? "CoreShowChannel" : "Status"));
            if (csc && a.actionId() != null) ev.add("ActionID: " + a.actionId());
            ev.add("Channel: " + ch.name);
            ev.add("ChannelState: 6");
            ev.add("ChannelStateDesc: Up");
            ev.add("Uniqueid: " + ch.uniqueId);
            ev.add("Linkedid: " + ch.linkedId);
            if (!csc && a.actionId() != null) ev.add("ActionID: " + a.actionId());
            c.session.send(ev);
            n++;
            if (dropMidList) return false;
        }
        if (dropMidList) return false;
        List<String> done = new ArrayList<>(List.of("Event: " + (csc ? "CoreShowChannelsComplete" : "StatusComplete")));
        if (a.actionId() != null) done.add("ActionID: " + a.actionId());
        done.add("EventList: Complete");
        done.add("ListItems: " + n);
        if (!csc) done.add("Items: " + n);
        c.session.send(done);
        return true;
    }

    /** Originate (always Async here): a Local channel, OriginateResponse, and AsyncAGIStart for {@code AGI(agi:async)}. */
    private void originate(ManagerClient c, AmiFrame a) throws IOException {
        String target = String.valueOf(a.get("Channel"));
        c.reply(a, "Success", "Message: Originate successfully queued");
        List<String> common = new ArrayList<>();
        if (a.get("Application") != null) {
            common.add("Application: " + a.get("Application"));
            common.add("Data: " + (a.get("Data") == null ? "" : a.get("Data")));
        } else {
            common.add("Context: " + a.get("Context"));
            common.add("Exten: " + a.get("Exten"));
        }
        if (target.contains("nosuch")) {
            List<String> ev = new ArrayList<>(List.of("Event: OriginateResponse", "Privilege: call,all"));
            if (a.actionId() != null) ev.add("ActionID: " + a.actionId());
            ev.addAll(List.of("Response: Failure", "Channel: " + target));
            ev.addAll(common);
            ev.addAll(List.of("Reason: 0", "Uniqueid: <unknown>", "CallerIDNum: <unknown>", "CallerIDName: <unknown>"));
            c.session.send(ev);
            return;
        }
        int seq = channels.nextLocalSeq();
        String base = target.startsWith("Local/") ? target.substring(6) : target;
        String leg1 = String.format("Local/%s-%08x;1", base, seq);
        String u = channels.newChannel(leg1, "15550001111", "Carol", base);
        List<String> ev = new ArrayList<>(List.of("Event: OriginateResponse", "Privilege: call,all"));
        if (a.actionId() != null) ev.add("ActionID: " + a.actionId());
        ev.addAll(List.of("Response: Success", "Channel: " + leg1));
        ev.addAll(common);
        ev.addAll(List.of("Reason: 4", "Uniqueid: " + u, "CallerIDNum: 15550001111", "CallerIDName: Carol"));
        c.session.send(ev);
        if ("AGI".equalsIgnoreCase(a.get("Application")) && String.valueOf(a.get("Data")).startsWith("agi:async")) {
            String data = a.get("Data");
            String[] args = data.contains(",") ? data.substring(data.indexOf(',') + 1).split(",") : new String[0];
            channels.asyncAgiStart(leg1, "15550001111", "Carol", base, args);
        }
    }
}
