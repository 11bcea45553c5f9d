package org.tinyphone.sim.ami;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.tinyphone.sim.agi.SimulatedChannel;

/**
 * A small Asterisk 22 manager, speaking the wire exactly as the captures show (banner, Login plain/MD5 with
 * {@code Authentication failed} + close, Ping, Logoff/Goodbye, Events, Filter, Command with {@code Output:}
 * lines, CoreShowChannels/Status event lists, Setvar/GetVar, Hangup, Originate Async with OriginateResponse,
 * AsyncAGI with url-encoded {@code AsyncAGIExec}), with fault switches for tests: drop during login, drop on
 * an action, drop in the middle of an event list, never answer an action, slow lines.
 */
public final class AsteriskSimulator implements FakeAmiServer.Handler {

    private final String username;
    private final String secret;
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    private final Map<String, String> globals = new ConcurrentHashMap<>();
    private final Map<String, Chan> channels = new ConcurrentHashMap<>();
    private final AtomicInteger uid = new AtomicInteger(1);
    private final AtomicInteger localSeq = new AtomicInteger();
    private volatile boolean dropDuringLogin;
    private volatile String dropOnAction;
    private volatile String silentOnAction;
    private volatile boolean dropMidList;
    private volatile Duration lineDelay = Duration.ZERO;
    private volatile Function<String, String> agiResponder = AsteriskSimulator::defaultAgiReply;
    private final List<AmiFrame> actions = new CopyOnWriteArrayList<>();
    private final AtomicInteger deniedBeforeLogin = new AtomicInteger();
    private final AtomicInteger logins = new AtomicInteger();

    /** Actions that arrived before Login on their connection (a client must never do that, e.g. Ping). */
    public int deniedBeforeLogin() { return deniedBeforeLogin.get(); }

    /** Successful logins so far. */
    public int logins() { return logins.get(); }

    public AsteriskSimulator(String username, String secret) {
        this.username = username;
        this.secret = secret;
    }

    private static final class Conn {
        final FakeAmiSession s;
        volatile boolean loggedIn;
        volatile boolean events = true;
        volatile String challenge;

        Conn(FakeAmiSession s) { this.s = s; }
    }

    private static final class Chan {
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

    // ------------------------------------------------------------------ fault switches and test controls

    /** Close the connection after reading Login, before answering. */
    public AsteriskSimulator dropDuringLogin(boolean v) { dropDuringLogin = v; return this; }

    /** Close the connection when this action arrives (no response). */
    public AsteriskSimulator dropOnAction(String action) { dropOnAction = action; return this; }

    /** Never answer this action (the client must time out). */
    public AsteriskSimulator silentOnAction(String action) { silentOnAction = action; return this; }

    /** CoreShowChannels/Status: send the start response and one item, then close. */
    public AsteriskSimulator dropMidList(boolean v) { dropMidList = v; return this; }

    /** Delay before every line written (slow server). */
    public AsteriskSimulator lineDelay(Duration d) { lineDelay = d; return this; }

    /** How AsyncAGI commands are answered: command line in, AGI reply line out (e.g. {@code 200 result=0}). */
    public AsteriskSimulator agiResponder(Function<String, String> f) { agiResponder = f; return this; }

    /** Every action received, over all connections. */
    public List<AmiFrame> actions() { return List.copyOf(actions); }

    /** Connections currently logged in. */
    public int loggedInCount() { return (int) conns.stream().filter(c -> c.loggedIn).count(); }

    /** Sends an event to every logged-in connection with events on. */
    public void emit(String... lines) { emit(List.of(lines)); }

    public void emit(List<String> lines) {
        for (Conn c : conns) {
            if (c.loggedIn && c.events) {
                try {
                    c.s.send(lines);
                } catch (IOException e) {
                    c.s.close();
                }
            }
        }
    }

    /** Sends raw bytes to every logged-in connection (garbage, huge lines). */
    public void emitRaw(byte[] bytes) {
        for (Conn c : conns) {
            if (c.loggedIn) {
                try {
                    c.s.sendRaw(bytes);
                } catch (IOException e) {
                    c.s.close();
                }
            }
        }
    }

    /** Creates a channel and emits Newchannel; returns its Uniqueid. */
    public String newChannel(String name, String callerNum, String callerName, String exten) {
        String u = "1795447668." + uid.getAndIncrement();
        channels.put(name, new Chan(name, u, u));
        emit(channelEvent("Newchannel", name, u, 4, "Ring", callerNum, callerName, exten, List.of()));
        return u;
    }

    /** Emits an AsyncAGIStart for a new channel running {@code AGI(agi:async,args...)}; returns the channel name. */
    public String startAsyncAgi(String callerNum, String exten, String... args) {
        int seq = localSeq.getAndIncrement();
        String name = String.format("Local/%s@agi-test-%08x;2", exten, seq);
        String u = newChannel(name, callerNum, "Caller", exten);
        Chan c = channels.get(name);
        c.asyncAgi = true;
        emit(channelEvent("AsyncAGIStart", name, u, 6, "Up", callerNum, "Caller", exten,
                List.of("Env: " + encode(env(name, u, callerNum, exten, args)))));
        return name;
    }

    /** The other side hangs up: AsyncAGIEnd (if in AsyncAGI) and Hangup. */
    public void hangup(String channelName) {
        Chan c = channels.get(channelName);
        if (c == null || c.gone) return;
        c.gone = true;
        if (c.asyncAgi) {
            c.asyncAgi = false;
            emit("Event: AsyncAGIEnd", "Privilege: agi,all", "Channel: " + c.name, "Uniqueid: " + c.uniqueId);
        }
        emit("Event: Hangup", "Privilege: call,all", "Channel: " + c.name, "Uniqueid: " + c.uniqueId,
                "Linkedid: " + c.linkedId, "Cause: 16", "Cause-txt: Normal Clearing");
    }

    /** Emits DTMFBegin/DTMFEnd for each digit on a channel (as received from the caller). */
    public void dtmf(String channelName, String digits) {
        Chan c = channels.get(channelName);
        String u = c == null ? "0" : c.uniqueId;
        for (char d : digits.toCharArray()) {
            emit("Event: DTMFBegin", "Privilege: dtmf,all", "Channel: " + channelName, "Uniqueid: " + u,
                    "Digit: " + d, "Direction: Received");
            emit("Event: DTMFEnd", "Privilege: dtmf,all", "Channel: " + channelName, "Uniqueid: " + u,
                    "Digit: " + d, "DurationMs: 100", "Direction: Received");
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

    private static String env(String name, String u, String num, String exten, String... args) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("agi_request", "async");
        e.put("agi_channel", name);
        e.put("agi_language", "en");
        e.put("agi_type", "Local");
        e.put("agi_uniqueid", u);
        e.put("agi_version", "22.10.1");
        e.put("agi_callerid", num);
        e.put("agi_calleridname", "Caller");
        e.put("agi_callingpres", "0");
        e.put("agi_callingani2", "0");
        e.put("agi_callington", "0");
        e.put("agi_callingtns", "0");
        e.put("agi_dnid", "unknown");
        e.put("agi_rdnis", "unknown");
        e.put("agi_context", "agi-test");
        e.put("agi_extension", exten);
        e.put("agi_priority", "2");
        e.put("agi_enhanced", "0.0");
        e.put("agi_accountcode", "");
        e.put("agi_threadid", "140566088218304");
        for (int i = 0; i < args.length; i++) e.put("agi_arg_" + (i + 1), args[i]);
        StringBuilder sb = new StringBuilder();
        e.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        return sb.append('\n').toString();
    }

    /** URL-encodes like Asterisk's AsyncAGI (space as %20, parentheses kept). */
    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%28", "(").replace("%29", ")");
    }

    /**
     * Default AGI replies, as a real Asterisk gives on an answered channel whose caller presses nothing: the replies
     * of {@link SimulatedChannel} (the one simulated AGI channel), each command on a fresh channel.
     */
    public static String defaultAgiReply(String command) {
        SimulatedChannel channel = new SimulatedChannel("Local/agi@agi-test-00000001;2", "", "", "", SILENT_CALLER);
        try {
            channel.answer("ANSWER");
            return channel.answer(command);
        } catch (InterruptedException e) {   // the silent caller never waits
            Thread.currentThread().interrupt();
            return SimulatedChannel.DEAD_CHANNEL;
        }
    }

    /** A caller who presses nothing and never hangs up: prompts play out at once (endpos 3404), waits time out. */
    private static final SimulatedChannel.Caller SILENT_CALLER = new SimulatedChannel.Caller() {
        @Override
        public SimulatedChannel.Played play(String file, String escape, long millis, boolean control) {
            return new SimulatedChannel.Played(0, 3404);
        }

        @Override
        public int waitForDigit(long timeoutMillis) { return SimulatedChannel.TIMEOUT; }

        @Override
        public int option(String escape, long timeoutMillis) { return SimulatedChannel.TIMEOUT; }

        @Override
        public int digit(String file, long timeoutMillis) { return SimulatedChannel.TIMEOUT; }

        @Override
        public boolean hungUp() { return false; }

        @Override
        public void channelHungUp() {
            // each reply is a fresh channel's: nothing to remember
        }
    };

    // ------------------------------------------------------------------ the manager

    @Override
    public void serve(FakeAmiSession s) throws Exception {
        s.lineDelay(lineDelay);
        Conn c = new Conn(s);
        conns.add(c);
        try {
            s.banner();
            while (true) {
                AmiFrame a = s.read(Duration.ofMinutes(5));
                if (a == null) return;
                actions.add(a);
                String name = a.action() == null ? "" : a.action();
                if (name.equalsIgnoreCase(dropOnAction)) return;
                if (name.equalsIgnoreCase(silentOnAction)) continue;
                if (!handle(c, a, name)) return;
            }
        } finally {
            c.loggedIn = false;
            conns.remove(c);
        }
    }

    private List<String> head(String response, AmiFrame a) {
        List<String> l = new ArrayList<>();
        l.add("Response: " + response);
        if (a.actionId() != null) l.add("ActionID: " + a.actionId());
        return l;
    }

    private void reply(Conn c, AmiFrame a, String response, String... more) throws IOException {
        List<String> l = head(response, a);
        l.addAll(List.of(more));
        c.s.send(l);
    }

    /** Returns false when the connection must close. */
    private boolean handle(Conn c, AmiFrame a, String name) throws Exception {
        String lower = name.toLowerCase();
        if (!c.loggedIn && !Set.of("login", "challenge", "logoff").contains(lower)) {
            deniedBeforeLogin.incrementAndGet();
            reply(c, a, "Error", "Message: Permission denied");
            return true;
        }
        switch (lower) {
            case "challenge" -> {
                c.challenge = Integer.toString(ThreadLocalRandom.current().nextInt(100_000_000, 999_999_999));
                reply(c, a, "Success", "Challenge: " + c.challenge);
            }
            case "login" -> {
                if (dropDuringLogin) return false;
                boolean ok = username.equals(a.get("Username"));
                if ("MD5".equalsIgnoreCase(a.get("AuthType"))) {
                    ok &= c.challenge != null && md5(c.challenge + secret).equals(a.get("Key"));
                } else {
                    ok &= secret.equals(a.get("Secret"));
                }
                if (!ok) {
                    Thread.sleep(100);
                    reply(c, a, "Error", "Message: Authentication failed");
                    return false;
                }
                String ev = a.get("Events");
                c.events = ev == null || !ev.equalsIgnoreCase("off");
                c.loggedIn = true;                 // before the reply: events emitted once the client saw it must reach it
                logins.incrementAndGet();
                reply(c, a, "Success", "Message: Authentication accepted");
                if (c.events) {
                    c.s.send("Event: FullyBooted", "Privilege: system,all", "Uptime: 479", "LastReload: 479", "Status: Fully Booted");
                }
            }
            case "ping" -> reply(c, a, "Success", "Ping: Pong", "Timestamp: " + (System.currentTimeMillis() / 1000.0));
            case "logoff" -> {
                reply(c, a, "Goodbye", "Message: Thanks for all the fish.");
                return false;
            }
            case "events" -> {
                String m = a.get("EventMask");
                c.events = m != null && !m.equalsIgnoreCase("off");
                reply(c, a, "Success", "Events: " + (c.events ? "On" : "Off"));
            }
            case "filter" -> reply(c, a, "Success", "Message: Filter Added Successfully");
            case "command" -> {
                String cmd = a.get("Command") == null ? "" : a.get("Command");
                if (cmd.equals("core show version")) {
                    reply(c, a, "Success", "Message: Command output follows",
                            "Output: Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-23 15:10:59 UTC");
                } else if (cmd.equals("core show channels")) {
                    List<String> l = head("Success", a);
                    l.add("Message: Command output follows");
                    l.add("Output: Channel                                                          Location                         State   Application(Data)             ");
                    for (Chan ch : channels.values()) if (!ch.gone) l.add("Output: " + ch.name);
                    l.add("Output: " + channels.values().stream().filter(ch -> !ch.gone).count() + " active channels");
                    c.s.send(l);
                } else {
                    reply(c, a, "Error", "Message: Command output follows", "Output: No such command '" + cmd
                            + "' (type 'core show help " + cmd + "' for other possible commands)");
                }
            }
            case "coreshowchannels", "status" -> {
                boolean csc = lower.equals("coreshowchannels");
                List<Chan> live = channels.values().stream().filter(ch -> !ch.gone).toList();
                reply(c, a, "Success", "EventList: start", "Message: " + (csc ? "Channels will follow" : "Channel status will follow"));
                int n = 0;
                for (Chan ch : live) {
                    List<String> ev = new ArrayList<>();
                    ev.add("Event: " + (csc ? "CoreShowChannel" : "Status"));
                    if (csc && a.actionId() != null) ev.add("ActionID: " + a.actionId());
                    ev.add("Channel: " + ch.name);
                    ev.add("ChannelState: 6");
                    ev.add("ChannelStateDesc: Up");
                    ev.add("Uniqueid: " + ch.uniqueId);
                    ev.add("Linkedid: " + ch.linkedId);
                    if (!csc && a.actionId() != null) ev.add("ActionID: " + a.actionId());
                    c.s.send(ev);
                    n++;
                    if (dropMidList) return false;
                }
                if (dropMidList) return false;
                List<String> done = new ArrayList<>(List.of("Event: " + (csc ? "CoreShowChannelsComplete" : "StatusComplete")));
                if (a.actionId() != null) done.add("ActionID: " + a.actionId());
                done.add("EventList: Complete");
                done.add("ListItems: " + n);
                if (!csc) done.add("Items: " + n);
                c.s.send(done);
            }
            case "setvar" -> {
                String ch = a.get("Channel");
                if (ch != null && !channels.containsKey(ch)) {
                    reply(c, a, "Error", "Message: No such channel");
                } else {
                    (ch == null ? globals : channels.get(ch).vars).put(a.get("Variable"), a.get("Value") == null ? "" : a.get("Value"));
                    if (ch != null) {
                        Chan x = channels.get(ch);
                        emit("Event: VarSet", "Privilege: dialplan,all", "Channel: " + ch, "Uniqueid: " + x.uniqueId,
                                "Variable: " + a.get("Variable"), "Value: " + a.get("Value"));
                    }
                    reply(c, a, "Success", "Message: Variable Set");
                }
            }
            case "getvar" -> {
                String ch = a.get("Channel");
                if (ch != null && !channels.containsKey(ch)) {
                    reply(c, a, "Error", "Message: No such channel");
                } else {
                    Map<String, String> vars = ch == null ? globals : channels.get(ch).vars;
                    reply(c, a, "Success", "Variable: " + a.get("Variable"), "Value: " + vars.getOrDefault(a.get("Variable"), ""));
                }
            }
            case "hangup" -> {
                Chan ch = channels.get(String.valueOf(a.get("Channel")));
                if (ch == null || ch.gone) {
                    reply(c, a, "Error", "Message: No such channel");
                } else {
                    reply(c, a, "Success", "Message: Channel Hungup");
                    hangup(ch.name);
                }
            }
            case "redirect", "playdtmf" -> {
                Chan ch = channels.get(String.valueOf(a.get("Channel")));
                if (ch == null || ch.gone) reply(c, a, "Error", "Message: No such channel");
                else if (lower.equals("redirect")) reply(c, a, "Success", "Message: Redirect successful");
                else reply(c, a, "Success", "Message: DTMF successfully queued");
            }
            case "userevent" -> {
                reply(c, a, "Success");
                List<String> ev = new ArrayList<>(List.of("Event: UserEvent", "Privilege: user,all", "UserEvent: " + a.get("UserEvent")));
                for (String[] kv : a.fields()) {
                    if (!kv[0].equalsIgnoreCase("Action") && !kv[0].equalsIgnoreCase("ActionID") && !kv[0].equalsIgnoreCase("UserEvent")) {
                        ev.add(kv[0] + ": " + kv[1]);
                    }
                }
                emit(ev);
            }
            case "originate" -> originate(c, a);
            case "agi" -> agi(c, a);
            default -> reply(c, a, "Error", "Message: Invalid/unknown command: " + name
                    + ". Use Action: ListCommands to show available commands.");
        }
        return true;
    }

    private void originate(Conn c, AmiFrame a) throws IOException {
        String target = String.valueOf(a.get("Channel"));
        reply(c, a, "Success", "Message: Originate successfully queued");
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
            c.s.send(ev);
            return;
        }
        int seq = localSeq.getAndIncrement();
        String base = target.startsWith("Local/") ? target.substring(6) : target;
        String leg1 = String.format("Local/%s-%08x;1", base, seq);
        String u = newChannel(leg1, "15550001111", "Carol", base);
        List<String> ev = new ArrayList<>(List.of("Event: OriginateResponse", "Privilege: call,all"));
        if (a.actionId() != null) ev.add("ActionID: " + a.actionId());
        ev.addAll(List.of("Response: Success", "Channel: " + leg1));
        ev.addAll(common);
        ev.addAll(List.of("Reason: 4", "Uniqueid: " + u, "CallerIDNum: 15550001111", "CallerIDName: Carol"));
        c.s.send(ev);
        if ("AGI".equalsIgnoreCase(a.get("Application")) && String.valueOf(a.get("Data")).startsWith("agi:async")) {
            Chan ch = channels.get(leg1);
            ch.asyncAgi = true;
            String data = a.get("Data");
            String[] args = data.contains(",") ? data.substring(data.indexOf(',') + 1).split(",") : new String[0];
            emit(channelEvent("AsyncAGIStart", leg1, u, 6, "Up", "15550001111", "Carol", base,
                    List.of("Env: " + encode(env(leg1, u, "15550001111", base, args)))));
        }
    }

    private void agi(Conn c, AmiFrame a) throws IOException {
        String name = String.valueOf(a.get("Channel"));
        Chan ch = channels.get(name);
        if (ch == null || ch.gone || !ch.asyncAgi) {
            reply(c, a, "Error", "Message: Channel " + name + " does not exist.");
            return;
        }
        reply(c, a, "Success", "Message: Added AGI command to queue");
        String command = String.valueOf(a.get("Command"));
        String result = agiResponder.apply(command);
        if (result == null) return;   // the command "runs" until the channel hangs up
        List<String> ev = new ArrayList<>(List.of("Event: AsyncAGIExec", "Privilege: agi,all", "Channel: " + name,
                "Uniqueid: " + ch.uniqueId, "Result: " + encode(result.endsWith("\n") ? result : result + "\n")));
        if (a.get("CommandID") != null) ev.add("CommandId: " + a.get("CommandID"));
        emit(ev);
        String up = command.trim().toUpperCase();
        if (up.startsWith("ASYNCAGI BREAK")) {
            ch.asyncAgi = false;
            emit("Event: AsyncAGIEnd", "Privilege: agi,all", "Channel: " + name, "Uniqueid: " + ch.uniqueId);
        } else if (up.startsWith("HANGUP")) {
            hangup(name);
        }
    }

    public static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
