package org.tinyphone.sim.ami;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.tinyphone.sim.agi.SimulatedChannel;

/**
 * AGI over the simulated manager (AsyncAGI): {@code Action: AGI} queues a command on a channel in
 * {@code AGI(agi:async)}, its reply comes as an {@code AsyncAGIExec} event with the url-encoded {@code Result:};
 * {@code ASYNCAGI BREAK} ends it (AsyncAGIEnd), {@code HANGUP} hangs the channel up. Replies come from a responder
 * (by default {@link #defaultReply}, {@link SimulatedChannel}'s). Also the forms the start event carries: the
 * {@code agi_*} environment and Asterisk's URL encoding.
 */
final class SimulatedAsyncAgi {
    private final ChannelTable channels;
    private final Consumer<List<String>> events;
    private volatile Function<String, String> responder = SimulatedAsyncAgi::defaultReply;

    /** @param events sends an event to every logged-in client with events on */
    SimulatedAsyncAgi(ChannelTable channels, Consumer<List<String>> events) {
        this.channels = channels;
        this.events = events;
    }

    /** How commands are answered: command line in, AGI reply line out, or null for a command that never ends. */
    void responder(Function<String, String> f) {
        responder = f;
    }

    /** {@code Action: AGI}: queues the command, answers it with AsyncAGIExec. */
    void action(ManagerClient c, AmiFrame a) throws IOException {
        String name = String.valueOf(a.get("Channel"));
        ChannelTable.Chan ch = channels.get(name);
        if (ch == null || ch.gone || !ch.asyncAgi) {
            c.reply(a, "Error", "Message: Channel " + name + " does not exist.");
            return;
        }
        c.reply(a, "Success", "Message: Added AGI command to queue");
        String command = String.valueOf(a.get("Command"));
        String result = responder.apply(command);
        if (result == null) return;   // the command "runs" until the channel hangs up
        List<String> ev = new ArrayList<>(List.of("Event: AsyncAGIExec", "Privilege: agi,all", "Channel: " + name,
                "Uniqueid: " + ch.uniqueId, "Result: " + encode(result.endsWith("\n") ? result : result + "\n")));
        if (a.get("CommandID") != null) ev.add("CommandId: " + a.get("CommandID"));
        events.accept(ev);
        String up = command.trim().toUpperCase();
        if (up.startsWith("ASYNCAGI BREAK")) {
            channels.asyncAgiEnd(ch);
        } else if (up.startsWith("HANGUP")) {
            channels.hangup(name);
        }
    }

    /** The {@code agi_*} environment of AsyncAGIStart (before url-encoding), ending with its blank line. */
    static String environment(String name, String u, String num, String exten, String... args) {
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
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%28", "(").replace("%29", ")");
    }

    /**
     * Default AGI replies, as a real Asterisk gives on an answered channel whose caller presses nothing: the replies
     * of {@link SimulatedChannel} (the one simulated AGI channel), each command on a fresh channel.
     */
    static String defaultReply(String command) {
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
}
