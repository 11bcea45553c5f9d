package org.tinyphone.sim.call;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.tinyphone.sim.audio.SimulatedRelay;

/**
 * Plays both Asterisk and {@code bin/tinyphone-agi} for an {@code EAGI(tinyphone-agi,args)} call: opens the relay
 * tunnel on 12001, sends the EAGI environment and Asterisk's replies as AGI_IN frames, the caller's audio as 20 ms
 * AUDIO frames (as fd 3 delivers it), and at the caller's hangup a HANGUP frame (the relay's SIGHUP); audio stops
 * then, and Asterisk goes on answering dead-channel-safe commands until the server ends the tunnel.
 */
final class RelayTunnelCaller {
    private RelayTunnelCaller() {}

    static CallResult place(SimulatedCall call, InetSocketAddress server) throws IOException, InterruptedException {
        long started = System.nanoTime();
        KeyPad keypad = new KeyPad(call);
        SimulatedAsterisk asterisk = new SimulatedAsterisk(call, keypad);
        AtomicLong frames = new AtomicLong();
        AtomicBoolean hungUpSent = new AtomicBoolean();
        CallResult.EndedBy endedBy;
        try (SimulatedRelay relay = SimulatedRelay.connect(server.getHostString(), server.getPort())) {
            LineInbox commands = LineInbox.start(relay.fromServer(), "relay " + asterisk.uniqueId());
            try {
                send(relay, String.join("\n", SimulatedAsterisk.environmentLines(
                        asterisk.environment(false, "", 0, "tinyphone-agi"))) + "\n");
            } catch (IOException e) {
                relay.awaitEnd(1, TimeUnit.SECONDS);
                if (!relay.heardFromServer()) throw WrongPeer.closed(server, "the relay tunnel (" + SimulatedRelay.GREETING + ")");
                throw e;
            }
            keypad.start(System.nanoTime());
            Thread audio = call.audio() == null ? null : Thread.ofVirtual().name("sim-relay-audio " + asterisk.uniqueId())
                    .start(() -> streamAudio(call.audio().open(), call.framesPerBurst(), keypad, relay, frames));
            endedBy = serve(asterisk, keypad, commands, relay, hungUpSent);
            if (audio != null) {
                audio.interrupt();
                audio.join(1000);
            }
            relay.close();
            relay.awaitEnd(1, TimeUnit.SECONDS);
            if (!relay.heardFromServer()) throw WrongPeer.closed(server, "the relay tunnel (" + SimulatedRelay.GREETING + ")");
        }
        return new CallResult(Via.RELAY, asterisk.uniqueId(), keypad.pressed(), asterisk.commandsSeen(), endedBy,
                frames.get(), Duration.ofNanos(System.nanoTime() - started));
    }

    private static CallResult.EndedBy serve(SimulatedAsterisk asterisk, KeyPad keypad, LineInbox commands,
                                            SimulatedRelay relay, AtomicBoolean hungUpSent)
            throws IOException, InterruptedException {
        long graceEnd = Long.MAX_VALUE;
        while (true) {
            long wait = hungUpSent.get() ? graceEnd - System.nanoTime()
                    : Math.max(1, keypad.hangupAtNanos() - System.nanoTime());
            if (hungUpSent.get() && wait <= 0) {
                try {
                    relay.end("hangup grace over");
                } catch (IOException alreadyGone) {
                    // nothing to tell
                }
                return CallResult.EndedBy.CALLER;
            }
            String line = commands.poll(wait, TimeUnit.NANOSECONDS);
            if (line == LineInbox.EOF) {
                return hungUpSent.get() && !asterisk.hungUpByApp() ? CallResult.EndedBy.CALLER
                        : CallResult.EndedBy.SERVER;
            }
            try {
                if (line != null) {
                    send(relay, asterisk.answer(line) + "\n");
                }
                if (!hungUpSent.get() && keypad.isHungUp()) {
                    // process AGI gets SIGHUP, not a HANGUP line: the relay reports it with a HANGUP frame
                    relay.hangup();
                    hungUpSent.set(true);
                    graceEnd = System.nanoTime() + FastAgiCaller.GRACE.toNanos();
                }
            } catch (IOException serverGone) {
                // the server ended the tunnel while we wrote: the call is over
                return keypad.isHungUp() && !asterisk.hungUpByApp() ? CallResult.EndedBy.CALLER
                        : CallResult.EndedBy.SERVER;
            }
        }
    }

    private static void streamAudio(AudioSource.Frames audio, int framesPerBurst, KeyPad keypad, SimulatedRelay relay,
                                    AtomicLong frames) {
        long next = System.nanoTime();
        try {
            while (!keypad.isHungUp()) {
                LegacyLineCaller.sleepUntil(next);
                byte[] burst = new byte[AudioSource.FRAME_BYTES * framesPerBurst];
                for (int i = 0; i < framesPerBurst; i++) {
                    System.arraycopy(audio.next(), 0, burst, i * AudioSource.FRAME_BYTES, AudioSource.FRAME_BYTES);
                }
                relay.sendFrame(SimulatedRelay.AUDIO, burst, 0, burst.length);
                frames.addAndGet(framesPerBurst);
                next += 20_000_000L * framesPerBurst;
            }
        } catch (InterruptedException | IOException e) {
            // the call is over
        }
    }

    /** Asterisk's side of the AGI session (the environment, a reply) as AGI_IN frames. */
    private static void send(SimulatedRelay relay, String text) throws IOException {
        relay.toServer().write(text.getBytes(StandardCharsets.UTF_8));
    }
}
