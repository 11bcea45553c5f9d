package org.tinyphone.sim.ami;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
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
 *
 * <p>Here: the connections, login and the session's own actions, the switches and the test controls. The channels
 * and their events are {@link ChannelTable}'s, the other actions {@link ManagerActions}', AsyncAGI
 * {@link SimulatedAsyncAgi}'s.
 */
public final class AsteriskSimulator implements FakeAmiServer.Handler {

    private final String username;
    private final String secret;
    private final List<ManagerClient> clients = new CopyOnWriteArrayList<>();
    private final ChannelTable channels = new ChannelTable(this::emit);
    private final SimulatedAsyncAgi asyncAgi = new SimulatedAsyncAgi(channels, this::emit);
    private final ManagerActions otherActions = new ManagerActions(channels, asyncAgi, this::emit);
    private volatile boolean dropDuringLogin;
    private volatile String dropOnAction;
    private volatile String silentOnAction;
    private volatile Duration lineDelay = Duration.ZERO;
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

    // ------------------------------------------------------------------ fault switches and test controls

    /** Close the connection after reading Login, before answering. */
    public AsteriskSimulator dropDuringLogin(boolean v) { dropDuringLogin = v; return this; }

    /** Close the connection when this action arrives (no response). */
    public AsteriskSimulator dropOnAction(String action) { dropOnAction = action; return this; }

    /** Never answer this action (the client must time out). */
    public AsteriskSimulator silentOnAction(String action) { silentOnAction = action; return this; }

    /** CoreShowChannels/Status: send the start response and one item, then close. */
    public AsteriskSimulator dropMidList(boolean v) { otherActions.dropMidList(v); return this; }

    /** Delay before every line written (slow server). */
    public AsteriskSimulator lineDelay(Duration d) { lineDelay = d; return this; }

    /** How AsyncAGI commands are answered: command line in, AGI reply line out (e.g. {@code 200 result=0}). */
    public AsteriskSimulator agiResponder(Function<String, String> f) { asyncAgi.responder(f); return this; }

    /** Every action received, over all connections. */
    public List<AmiFrame> actions() { return List.copyOf(actions); }

    /** Connections currently logged in. */
    public int loggedInCount() { return (int) clients.stream().filter(c -> c.loggedIn).count(); }

    /** Sends an event to every logged-in connection with events on. */
    public void emit(String... lines) { emit(List.of(lines)); }

    public void emit(List<String> lines) {
        for (ManagerClient c : clients) {
            if (c.loggedIn && c.events) {
                try {
                    c.session.send(lines);
                } catch (IOException e) {
                    c.session.close();
                }
            }
        }
    }

    /** Sends raw bytes to every logged-in connection (garbage, huge lines). */
    public void emitRaw(byte[] bytes) {
        for (ManagerClient c : clients) {
            if (c.loggedIn) {
                try {
                    c.session.sendRaw(bytes);
                } catch (IOException e) {
                    c.session.close();
                }
            }
        }
    }

    /** Creates a channel and emits Newchannel; returns its Uniqueid. */
    public String newChannel(String name, String callerNum, String callerName, String exten) {
        return channels.newChannel(name, callerNum, callerName, exten);
    }

    /** Emits an AsyncAGIStart for a new channel running {@code AGI(agi:async,args...)}; returns the channel name. */
    public String startAsyncAgi(String callerNum, String exten, String... args) {
        return channels.startAsyncAgi(callerNum, exten, args);
    }

    /** The other side hangs up: AsyncAGIEnd (if in AsyncAGI) and Hangup. */
    public void hangup(String channelName) {
        channels.hangup(channelName);
    }

    /** Emits DTMFBegin/DTMFEnd for each digit on a channel (as received from the caller). */
    public void dtmf(String channelName, String digits) {
        channels.dtmf(channelName, digits);
    }

    /** URL-encodes like Asterisk's AsyncAGI (space as %20, parentheses kept). */
    public static String encode(String s) {
        return SimulatedAsyncAgi.encode(s);
    }

    /**
     * Default AGI replies, as a real Asterisk gives on an answered channel whose caller presses nothing: the replies
     * of {@link SimulatedChannel} (the one simulated AGI channel), each command on a fresh channel.
     */
    public static String defaultAgiReply(String command) {
        return SimulatedAsyncAgi.defaultReply(command);
    }

    // ------------------------------------------------------------------ the manager

    @Override
    public void serve(FakeAmiSession s) throws Exception {
        s.lineDelay(lineDelay);
        ManagerClient c = new ManagerClient(s);
        clients.add(c);
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
            clients.remove(c);
        }
    }

    /** Returns false when the connection must close. */
    private boolean handle(ManagerClient c, AmiFrame a, String name) throws Exception {
        String lower = name.toLowerCase();
        if (!c.loggedIn && !Set.of("login", "challenge", "logoff").contains(lower)) {
            deniedBeforeLogin.incrementAndGet();
            c.reply(a, "Error", "Message: Permission denied");
            return true;
        }
        switch (lower) {
            case "challenge" -> {
                c.challenge = Integer.toString(ThreadLocalRandom.current().nextInt(100_000_000, 999_999_999));
                c.reply(a, "Success", "Challenge: " + c.challenge);
            }
            case "login" -> {
                return login(c, a);
            }
            case "ping" -> c.reply(a, "Success", "Ping: Pong", "Timestamp: " + (System.currentTimeMillis() / 1000.0));
            case "logoff" -> {
                c.reply(a, "Goodbye", "Message: Thanks for all the fish.");
                return false;
            }
            case "events" -> {
                String m = a.get("EventMask");
                c.events = m != null && !m.equalsIgnoreCase("off");
                c.reply(a, "Success", "Events: " + (c.events ? "On" : "Off"));
            }
            case "filter" -> c.reply(a, "Success", "Message: Filter Added Successfully");
            default -> {
                return otherActions.handle(c, a, name, lower);
            }
        }
        return true;
    }

    /** Login, plain or MD5 (after Challenge); a wrong one is answered {@code Authentication failed}, then closed. */
    private boolean login(ManagerClient c, AmiFrame a) throws Exception {
        if (dropDuringLogin) return false;
        boolean ok = username.equals(a.get("Username"));
        if ("MD5".equalsIgnoreCase(a.get("AuthType"))) {
            ok &= c.challenge != null && md5(c.challenge + secret).equals(a.get("Key"));
        } else {
            ok &= secret.equals(a.get("Secret"));
        }
        if (!ok) {
            Thread.sleep(100);
            c.reply(a, "Error", "Message: Authentication failed");
            return false;
        }
        String ev = a.get("Events");
        c.events = ev == null || !ev.equalsIgnoreCase("off");
        c.loggedIn = true;                 // before the reply: events emitted once the client saw it must reach it
        logins.incrementAndGet();
        c.reply(a, "Success", "Message: Authentication accepted");
        if (c.events) {
            c.session.send("Event: FullyBooted", "Privilege: system,all", "Uptime: 479", "LastReload: 479", "Status: Fully Booted");
        }
        return true;
    }

    public static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
