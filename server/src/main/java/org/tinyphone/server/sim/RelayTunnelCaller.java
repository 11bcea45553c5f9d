package org.tinyphone.server.sim;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.tinyphone.audio.relay.RelayProtocol;

/**
 * Plays both Asterisk and {@code bin/tinyphone-agi} for an {@code EAGI(tinyphone-agi,args)} call: opens the relay
 * tunnel on 12001, sends the EAGI environment and Asterisk's replies as AGI_IN frames, the caller's audio as 20 ms
 * AUDIO frames (as fd 3 delivers it), and at the caller's hangup a HANGUP frame (the relay's SIGHUP); audio stops
 * then, and Asterisk goes on answering dead-channel-safe commands until the server ends the tunnel.
 */
final class RelayTunnelCaller {
    private static final String SERVER_ENDED = new String("<server end>");

    private RelayTunnelCaller() {}

    static CallResult place(SimulatedCall call, InetSocketAddress server) throws IOException, InterruptedException {
        long started = System.nanoTime();
        KeyPad keypad = new KeyPad(call);
        SimulatedAsterisk asterisk = new SimulatedAsterisk(call, keypad);
        AtomicLong frames = new AtomicLong();
        AtomicBoolean hungUpSent = new AtomicBoolean();
        AtomicBoolean heard = new AtomicBoolean(); // a frame of the tunnel came back
        CallResult.EndedBy endedBy;
        try (Socket socket = new Socket()) {
            socket.connect(server, 5000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            ReentrantLock writeLock = new ReentrantLock();
            BlockingQueue<String> commands = new LinkedBlockingQueue<>();
            Thread reader = Thread.ofVirtual().name("sim-relay-read " + asterisk.uniqueId())
                    .start(() -> readCommands(socket, commands, heard));
            try {
                out.write((RelayProtocol.MAGIC + "\n").getBytes(StandardCharsets.US_ASCII));
                send(out, writeLock, RelayProtocol.AGI_IN, String.join("\n", SimulatedAsterisk.environmentLines(
                        asterisk.environment(false, "", 0, "tinyphone-agi"))) + "\n");
            } catch (IOException e) {
                reader.join(1000);
                if (!heard.get()) throw WrongPeer.closed(server, "the relay tunnel (" + RelayProtocol.MAGIC + ")");
                throw e;
            }
            keypad.start(System.nanoTime());
            Thread audio = call.audio() == null ? null : Thread.ofVirtual().name("sim-relay-audio " + asterisk.uniqueId())
                    .start(() -> streamAudio(call.audio().open(), call.framesPerBurst(), keypad, out, writeLock, frames));
            endedBy = serve(asterisk, keypad, commands, out, writeLock, hungUpSent);
            if (audio != null) {
                audio.interrupt();
                audio.join(1000);
            }
            socket.close();
            reader.join(1000);
        }
        if (!heard.get()) throw WrongPeer.closed(server, "the relay tunnel (" + RelayProtocol.MAGIC + ")");
        return new CallResult(Via.RELAY, asterisk.uniqueId(), keypad.pressed(), asterisk.commandsSeen(), endedBy,
                frames.get(), Duration.ofNanos(System.nanoTime() - started));
    }

    private static CallResult.EndedBy serve(SimulatedAsterisk asterisk, KeyPad keypad, BlockingQueue<String> commands,
                                            OutputStream out, ReentrantLock writeLock, AtomicBoolean hungUpSent)
            throws IOException, InterruptedException {
        long graceEnd = Long.MAX_VALUE;
        while (true) {
            long wait = hungUpSent.get() ? graceEnd - System.nanoTime()
                    : Math.max(1, keypad.hangupAtNanos() - System.nanoTime());
            if (hungUpSent.get() && wait <= 0) {
                try {
                    send(out, writeLock, RelayProtocol.END, "hangup grace over");
                } catch (IOException alreadyGone) {
                    // nothing to tell
                }
                return CallResult.EndedBy.CALLER;
            }
            String line = commands.poll(wait, TimeUnit.NANOSECONDS);
            if (line == SERVER_ENDED) {
                return hungUpSent.get() && !asterisk.hungUpByApp() ? CallResult.EndedBy.CALLER
                        : CallResult.EndedBy.SERVER;
            }
            try {
                if (line != null) {
                    send(out, writeLock, RelayProtocol.AGI_IN, asterisk.answer(line) + "\n");
                }
                if (!hungUpSent.get() && keypad.isHungUp()) {
                    // process AGI gets SIGHUP, not a HANGUP line: the relay reports it with a HANGUP frame
                    send(out, writeLock, RelayProtocol.HANGUP, "");
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

    private static void streamAudio(AudioSource.Frames audio, int framesPerBurst, KeyPad keypad, OutputStream out,
                                    ReentrantLock writeLock, AtomicLong frames) {
        long next = System.nanoTime();
        try {
            while (!keypad.isHungUp()) {
                LegacyRelayCaller.sleepUntil(next);
                byte[] burst = new byte[AudioSource.FRAME_BYTES * framesPerBurst];
                for (int i = 0; i < framesPerBurst; i++) {
                    System.arraycopy(audio.next(), 0, burst, i * AudioSource.FRAME_BYTES, AudioSource.FRAME_BYTES);
                }
                writeLock.lock();
                try {
                    RelayProtocol.writeFrame(out, RelayProtocol.AUDIO, burst, 0, burst.length);
                    out.flush();
                } finally {
                    writeLock.unlock();
                }
                frames.addAndGet(framesPerBurst);
                next += 20_000_000L * framesPerBurst;
            }
        } catch (InterruptedException | IOException e) {
            // the call is over
        }
    }

    /** Reads AGI_OUT frames into command lines; SERVER_END or a closed tunnel puts {@link #SERVER_ENDED}. */
    private static void readCommands(Socket socket, BlockingQueue<String> commands, AtomicBoolean heard) {
        StringBuilder line = new StringBuilder();
        try {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            RelayProtocol.Frame frame;
            while ((frame = RelayProtocol.readFrame(in)) != null) {
                if (frame.type() == RelayProtocol.SERVER_END || frame.type() == RelayProtocol.AGI_OUT) heard.set(true);
                if (frame.type() == RelayProtocol.SERVER_END) {
                    break;
                }
                if (frame.type() == RelayProtocol.AGI_OUT) {
                    for (char c : new String(frame.payload(), StandardCharsets.UTF_8).toCharArray()) {
                        if (c == '\n') {
                            commands.add(line.toString());
                            line.setLength(0);
                        } else {
                            line.append(c);
                        }
                    }
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            commands.add(SERVER_ENDED);
        }
    }

    private static void send(OutputStream out, ReentrantLock writeLock, int type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        writeLock.lock();
        try {
            RelayProtocol.writeFrame(out, type, bytes, 0, bytes.length);
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }
}
