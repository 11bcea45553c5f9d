package org.tinyphone.sim.call;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Places a call into a FastAGI server as Asterisk does for {@code AGI(agi://host:port/script,args)}: sends the
 * environment, answers every command (keys from the caller arrive through WAIT FOR DIGIT and friends), writes the
 * bare {@code HANGUP} notice when the caller hangs up, and waits (at most {@link #GRACE}) for the server to close.
 */
final class FastAgiCaller {
    /** How long Asterisk is simulated to wait for the script to end after the caller hung up. */
    static final Duration GRACE = Duration.ofSeconds(10);

    private FastAgiCaller() {}

    static CallResult place(SimulatedCall call, InetSocketAddress server, String script) throws IOException,
            InterruptedException {
        long started = System.nanoTime();
        KeyPad keypad = new KeyPad(call);
        SimulatedAsterisk asterisk = new SimulatedAsterisk(call, keypad);
        try (Socket socket = new Socket()) {
            socket.connect(server, 5000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            LineInbox inbox = LineInbox.start(socket.getInputStream(), "fastagi " + asterisk.uniqueId());
            write(out, String.join("\n", SimulatedAsterisk.environmentLines(asterisk.environment(true,
                    server.getHostString(), server.getPort(), script))) + "\n");
            keypad.start(System.nanoTime());
            CallResult.EndedBy endedBy = serve(asterisk, keypad, inbox, out, server);
            return new CallResult(Via.FASTAGI, asterisk.uniqueId(), keypad.pressed(), asterisk.commandsSeen(),
                    endedBy, 0, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private static CallResult.EndedBy serve(SimulatedAsterisk asterisk, KeyPad keypad, LineInbox inbox,
                                            OutputStream out, InetSocketAddress server) throws IOException,
            InterruptedException {
        boolean noticeSent = false;
        long graceEnd = Long.MAX_VALUE;
        while (true) {
            long wait;
            if (noticeSent) {
                wait = graceEnd - System.nanoTime();
                if (wait <= 0) {
                    // Asterisk gives up on a script that never ends: HANGUP again and close.
                    writeQuietly(out, "HANGUP\n");
                    return CallResult.EndedBy.CALLER;
                }
            } else {
                wait = Math.max(1, keypad.hangupAtNanos() - System.nanoTime());
            }
            String line = inbox.poll(wait, TimeUnit.NANOSECONDS);
            if (line == LineInbox.EOF && asterisk.commandsSeen().isEmpty()) {
                throw WrongPeer.closed(server, "FastAGI");
            }
            if (line != null && line != LineInbox.EOF && asterisk.commandsSeen().isEmpty()
                    && !SimulatedAsterisk.isCommand(line)) {
                throw WrongPeer.answered(server, line, "FastAGI");
            }
            if (line == LineInbox.EOF) {
                // The script closed: Asterisk writes HANGUP (AGISIGHUP) and closes too.
                writeQuietly(out, "HANGUP\n");
                return noticeSent && !asterisk.hungUpByApp() ? CallResult.EndedBy.CALLER : CallResult.EndedBy.SERVER;
            }
            try {
                if (line != null) {
                    write(out, asterisk.answer(line) + "\n");
                }
                if (!noticeSent && keypad.isHungUp()) {
                    write(out, "HANGUP\n");
                    noticeSent = true;
                    graceEnd = System.nanoTime() + GRACE.toNanos();
                }
            } catch (IOException serverGone) {
                // the server closed while we wrote: the session is over
                return keypad.isHungUp() && !asterisk.hungUpByApp() ? CallResult.EndedBy.CALLER
                        : CallResult.EndedBy.SERVER;
            }
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void writeQuietly(OutputStream out, String text) {
        try {
            write(out, text);
        } catch (IOException ignored) {
            // the server is gone already
        }
    }
}
