package org.tinyphone.sim.call;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.tinyphone.sim.agi.FastAgiEnvironment;
import org.tinyphone.sim.agi.SimulatedChannel;

/**
 * Asterisk's side of one AGI session of a {@link SimulatedCall}, without I/O: the {@code agi_*} environment it sends,
 * and the reply to each command line ({@link SimulatedChannel}, the one simulated channel every AGI way in answers
 * with), with the caller's keys coming on the {@link KeyPad}'s clock. Commands that wait on the channel (WAIT FOR
 * DIGIT, STREAM FILE, SAY *, GET DATA, GET OPTION) take their time and are interrupted by the keys; other keys are
 * dropped as Asterisk does; once the caller has hung up, channel commands get {@code 511}.
 */
final class SimulatedAsterisk {
    static final String DEAD_CHANNEL = SimulatedChannel.DEAD_CHANNEL;

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final SimulatedCall call;
    private final KeyPad keypad;
    private final String uniqueId;
    private final String channelName;
    private final SimulatedChannel channel;

    SimulatedAsterisk(SimulatedCall call, KeyPad keypad) {
        this.call = call;
        this.keypad = keypad;
        long n = SEQUENCE.incrementAndGet();
        this.uniqueId = uniqueId(n);
        this.channelName = String.format(Locale.ROOT, "PJSIP/sim-%08x", n);
        this.channel = new SimulatedChannel(channelName, call.from(), call.name(), call.to(), new TimedCaller())
                .variable("UNIQUEID", uniqueId);
    }

    /** A channel's uniqueid as Asterisk makes it: its start in epoch seconds, a dot, its number since Asterisk started. */
    static String nextUniqueId() {
        return uniqueId(SEQUENCE.incrementAndGet());
    }

    private static String uniqueId(long n) {
        return (System.currentTimeMillis() / 1000) + "." + n;
    }

    String uniqueId() {
        return uniqueId;
    }

    /** Every command line received, in order. */
    List<String> commandsSeen() {
        return channel.commands();
    }

    /** True once the app sent HANGUP. */
    boolean hungUpByApp() {
        return channel.hungUpByApp();
    }

    /**
     * The environment block as Asterisk 22 sends it for {@code AGI(agi://host:port/script,args)}, in its order,
     * ending with the empty line. {@code network} false gives the process-AGI (EAGI) form.
     */
    Map<String, String> environment(boolean network, String host, int port, String script) {
        FastAgiEnvironment env = FastAgiEnvironment.forScript(script).server(host, port).channel(channelName)
                .uniqueId(uniqueId).callerId(call.from(), call.name()).dnid(call.to())
                .dialplan("from-provider", call.to(), "1").threadId(140000000000000L + SEQUENCE.get())
                .args(call.args().toArray(String[]::new));
        if (!network) env.processAgi();
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : env.lines()) {
            int colon = line.indexOf(": ");
            map.put(line.substring(0, colon), line.substring(colon + 2));
        }
        return map;
    }

    /** The environment as wire lines ({@code agi_x: value}), the empty line last. */
    static List<String> environmentLines(Map<String, String> env) {
        List<String> lines = new ArrayList<>();
        env.forEach((k, v) -> lines.add(k + ": " + v));
        lines.add("");
        return lines;
    }

    /** The reply to one command line (lines joined by {@code \n}); blocks as long as the command would take. */
    String answer(String line) throws InterruptedException {
        return channel.answer(line);
    }

    /** Whether a line from the peer is an AGI command at all (known or not to this simulation's replies). */
    static boolean isCommand(String line) {
        return SimulatedChannel.commandOf(line) != null;
    }

    /**
     * The caller on the {@link KeyPad}'s clock: keys come when it says, a prompt plays for its length (the keypad's
     * TIMEOUT and HANGUP are the channel's, so its results pass as they are).
     */
    private final class TimedCaller implements SimulatedChannel.Caller {
        @Override
        public SimulatedChannel.Played play(String file, String escape, long millis, boolean control)
                throws InterruptedException {
            long started = System.nanoTime();
            int key = awaitEscape(millis, escape);
            long endpos = Math.min(millis, (System.nanoTime() - started) / 1_000_000) * 8;
            return new SimulatedChannel.Played(key == KeyPad.HANGUP ? -1 : key == KeyPad.TIMEOUT ? 0 : key, endpos);
        }

        @Override
        public int waitForDigit(long timeoutMillis) throws InterruptedException {
            return keypad.awaitKey(timeoutMillis);
        }

        @Override
        public int option(String escape, long timeoutMillis) throws InterruptedException {
            return awaitEscape(timeoutMillis, escape);
        }

        @Override
        public int digit(String file, long timeoutMillis) throws InterruptedException {
            return keypad.awaitKey(timeoutMillis);
        }

        @Override
        public boolean hungUp() {
            return keypad.isHungUp();
        }

        @Override
        public void channelHungUp() {
            keypad.hangUp();
        }

        /** Plays for {@code millis}; a key in {@code escape} ends it early, other keys are dropped as Asterisk does. */
        private int awaitEscape(long millis, String escape) throws InterruptedException {
            long deadline = System.nanoTime() + millis * 1_000_000;
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return keypad.isHungUp() ? KeyPad.HANGUP : KeyPad.TIMEOUT;
                }
                int key = keypad.awaitKey(left);
                if (key < 0 || escape.indexOf(key) >= 0) {
                    return key;
                }
            }
        }
    }
}
