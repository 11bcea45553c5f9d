package org.tinyphone.sim.agi;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One call from a simulated Asterisk 22 into a FastAGI server: it connects, sends the environment, and answers
 * every command plausibly, the way the captures show Asterisk doing it (reply formats, 511 after hangup for
 * commands that need a live channel, the {@code HANGUP} notice, {@code 100 Trying} before GOSUB, 510/520).
 * The caller's behaviour is scripted: keys to press (consumed in order by the commands that read keys),
 * a key to press during a given prompt, and when to hang up.
 *
 * <pre>{@code
 * SimulatedAgiCall.Result r = SimulatedAgiCall.to("127.0.0.1", port, "/hello")
 *         .pressDuring("tt-monkeys", '#').run();
 * }</pre>
 */
public final class SimulatedAgiCall {
    private static final long FULL_PROMPT_SAMPLES = 16000;

    private final String host;
    private final int port;
    private final FastAgiEnvironment env;
    private Duration readTimeout = Duration.ofSeconds(20);
    private final Deque<Character> keys = new ArrayDeque<>();
    private final Map<String, Character> pressDuring = new HashMap<>();
    private final Map<String, String> variables = new LinkedHashMap<>();
    private int hangupAfterCommands = -1;
    private String hangupDuring;
    private boolean agiSigHup = true;
    private boolean exitOnHangup;
    private Consumer<AgiPeer.WireLine> tap;
    private int maxCommands = 10_000;

    private SimulatedAgiCall(String host, int port, String script) {
        this.host = host;
        this.port = port;
        this.env = FastAgiEnvironment.forScript(script).server(host, port)
                .channel("PJSIP/100-0000" + Integer.toHexString(0x1000 | (int) (Math.random() * 0xfff)))
                .uniqueId(String.format(Locale.ROOT, "%d.%d", System.currentTimeMillis() / 1000, (int) (Math.random() * 1000)));
    }

    /** A call to {@code agi://host:port/<script>}; {@code script} may carry a {@code ?query}. */
    public static SimulatedAgiCall to(String host, int port, String script) { return new SimulatedAgiCall(host, port, script); }

    public SimulatedAgiCall callerId(String number, String name) { env.callerId(number, name); return this; }
    public SimulatedAgiCall dnid(String dnid) { env.dnid(dnid); return this; }
    public SimulatedAgiCall channel(String channel) { env.channel(channel); return this; }
    public SimulatedAgiCall args(String... args) { env.args(args); return this; }
    public SimulatedAgiCall dialplan(String context, String extension, String priority) {
        env.dialplan(context, extension, priority);
        return this;
    }

    /** Keys the caller presses, in order, whenever a command reads keys (WAIT FOR DIGIT, GET DATA, prompts with escape digits). */
    public SimulatedAgiCall keys(String presses) {
        for (char c : presses.toCharArray()) keys.add(c);
        return this;
    }

    /** The caller presses {@code key} while the prompt {@code file} plays (if it is one of the escape digits). */
    public SimulatedAgiCall pressDuring(String file, char key) { pressDuring.put(file, key); return this; }

    /** A channel variable readable with GET VARIABLE. */
    public SimulatedAgiCall variable(String name, String value) { variables.put(name, value); return this; }

    /** The caller hangs up right after the app's n-th command got its reply (like capture 03a). */
    public SimulatedAgiCall hangupAfter(int commands) { this.hangupAfterCommands = commands; return this; }

    /** The caller hangs up while {@code file} plays: that command ends with result -1 (like capture 03d). */
    public SimulatedAgiCall hangupDuring(String file) { this.hangupDuring = file; return this; }

    /** {@code Set(AGISIGHUP=no)}: no HANGUP lines at all (capture 03b). */
    public SimulatedAgiCall noSigHup() { this.agiSigHup = false; return this; }

    /** {@code Set(AGIEXITONHANGUP=yes)}: at hangup write HANGUP twice and close (capture 03c). */
    public SimulatedAgiCall exitOnHangup() { this.exitOnHangup = true; return this; }

    public SimulatedAgiCall readTimeout(Duration d) { this.readTimeout = d; return this; }

    /** The simulated caller hangs up on an app that sends more commands than this (default 10,000). */
    public SimulatedAgiCall maxCommands(int n) { this.maxCommands = n; return this; }

    /** Sees every line exchanged. */
    public SimulatedAgiCall tap(Consumer<AgiPeer.WireLine> tap) { this.tap = tap; return this; }

    /** What the call saw. {@code agiStatus} is what Asterisk would set: SUCCESS, HANGUP or FAILURE. */
    public record Result(List<String> commands, List<AgiPeer.WireLine> wire, List<String> verbose,
                         Map<String, String> variables, boolean hungUp, boolean appClosed, String agiStatus,
                         String continueAt, String error) {
        /** Commands whose name starts with the given text. */
        public List<String> commandsStartingWith(String prefix) {
            return commands.stream().filter(c -> c.startsWith(prefix)).toList();
        }
    }

    /** Places the call and runs it to its end (the app closes, or the simulated caller's side ends it). */
    public Result run() throws IOException {
        List<AgiPeer.WireLine> wire = Collections.synchronizedList(new ArrayList<>());
        Consumer<AgiPeer.WireLine> t = tap == null ? wire::add : l -> { wire.add(l); tap.accept(l); };
        State st = new State();
        SimulatedChannel channel = new SimulatedChannel(env.channel(), env.callerId(), env.callerIdName(), env.dnid(),
                new ScriptedCaller(st));
        variables.forEach(channel::variable);
        String error = null;
        try (AgiPeer peer = AgiPeer.connect(host, port, readTimeout, t)) {
            peer.sendEnvironment(env.lines());
            while (true) {
                String line;
                try {
                    line = peer.readLine();
                } catch (SocketTimeoutException e) {
                    error = "the app sent nothing for " + readTimeout.toMillis() + " ms";
                    break;
                } catch (SocketException e) {
                    st.appClosed = true;
                    break;
                }
                if (line == null) {
                    st.appClosed = true;
                    if (agiSigHup && !st.closedByUs) {
                        try {
                            peer.send("HANGUP");
                        } catch (IOException ignored) {
                            // the app is gone already
                        }
                    }
                    break;
                }
                st.commands.add(line);
                if (st.commands.size() > maxCommands || Thread.currentThread().isInterrupted()) {
                    error = st.commands.size() > maxCommands ? "the app sent more than " + maxCommands + " commands"
                            : "interrupted";
                    break;
                }
                if (st.pendingNotice) {
                    st.pendingNotice = false;
                    if (agiSigHup) peer.send("HANGUP");
                }
                respond(peer, channel, line, st);
                if (st.closedByUs) break;
                if (hangupAfterCommands >= 0 && st.commands.size() == hangupAfterCommands && !st.hungUp) {
                    callerHangsUp(peer, st, true);
                    if (st.closedByUs) break;
                }
            }
        }
        String status = st.hungUp ? "HANGUP" : channel.failed() ? "FAILURE" : "SUCCESS";
        Map<String, String> vars = new LinkedHashMap<>(variables);
        vars.putAll(channel.variables());
        return new Result(List.copyOf(st.commands), List.copyOf(wire), channel.verbose(), Collections.unmodifiableMap(vars),
                st.hungUp, st.appClosed, status, channel.continueAt(), error);
    }

    /** The caller's side of the session: whether it hung up, and what the wire still owes. */
    private static final class State {
        final List<String> commands = new ArrayList<>();
        boolean hungUp;
        boolean pendingNotice;
        boolean appClosed;
        boolean closedByUs;
    }

    private void callerHangsUp(AgiPeer peer, State st, boolean noticeNow) throws IOException {
        st.hungUp = true;
        if (peer == null) { // during a command: the notice follows with the next command (capture 03d)
            st.pendingNotice = true;
            return;
        }
        if (exitOnHangup) {
            peer.send("HANGUP");
            peer.send("HANGUP");
            peer.close();
            st.closedByUs = true;
        } else if (noticeNow) {
            if (agiSigHup) peer.send("HANGUP");
        } else {
            st.pendingNotice = true;
        }
    }

    private void respond(AgiPeer peer, SimulatedChannel channel, String line, State st) throws IOException {
        String reply;
        try {
            reply = channel.answer(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
        for (String l : reply.split("\n")) peer.send(l);
        if ("HANGUP".equals(SimulatedChannel.commandOf(line)) && reply.equals("200 result=1")) {
            if (exitOnHangup) {
                callerHangsUp(peer, st, true);
            } else if (agiSigHup) {
                peer.send("HANGUP");
            }
        }
        if (st.hungUp && st.pendingNotice && exitOnHangup) {
            st.pendingNotice = false;
            peer.send("HANGUP");
            peer.send("HANGUP");
            peer.close();
            st.closedByUs = true;
        }
    }

    /**
     * The scripted caller: its keys are all there at once, taken in order by the commands that read keys (a prompt
     * only takes the next one if it is an escape digit); it presses a given key during a given prompt, and hangs up
     * during a given prompt or on a wait without end.
     */
    private final class ScriptedCaller implements SimulatedChannel.Caller {
        private final State st;

        ScriptedCaller(State st) {
            this.st = st;
        }

        @Override
        public SimulatedChannel.Played play(String file, String escape, long millis, boolean control) {
            if (file.equals(hangupDuring)) {
                hangsUpDuringCommand();
                return new SimulatedChannel.Played(-1, 8320);
            }
            if (file.startsWith("no-such")) return new SimulatedChannel.Played(-1, 0);
            Character during = pressDuring.get(file);
            if (during != null && escape.indexOf(during) >= 0) return new SimulatedChannel.Played(during, 6880);
            Character k = keys.peek();
            if (k != null && escape.indexOf(k) >= 0) {
                keys.poll();
                return new SimulatedChannel.Played(k, 6880);
            }
            return new SimulatedChannel.Played(0, control ? -1 : FULL_PROMPT_SAMPLES);
        }

        @Override
        public int waitForDigit(long timeoutMillis) {
            Character k = keys.poll();
            if (k != null) return k;
            if (timeoutMillis < 0) { // waits forever and nobody presses: the caller gives up
                hangsUpDuringCommand(); // like 03d: the reply first, the HANGUP notice after it
                return SimulatedChannel.HANGUP;
            }
            return SimulatedChannel.TIMEOUT;
        }

        @Override
        public int option(String escape, long timeoutMillis) {
            Character k = keys.peek();
            if (k != null && escape.indexOf(k) >= 0) return keys.poll();
            return SimulatedChannel.TIMEOUT;
        }

        @Override
        public int digit(String file, long timeoutMillis) {
            if (file.equals(hangupDuring)) {
                hangsUpDuringCommand();
                return SimulatedChannel.HANGUP;
            }
            Character k = keys.poll();
            return k == null ? SimulatedChannel.TIMEOUT : k;
        }

        @Override
        public boolean hungUp() {
            return st.hungUp;
        }

        @Override
        public void channelHungUp() {
            st.hungUp = true;
        }

        private void hangsUpDuringCommand() {
            try {
                callerHangsUp(null, st, false);
            } catch (IOException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }
}
