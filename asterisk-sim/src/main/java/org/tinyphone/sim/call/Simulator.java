package org.tinyphone.sim.call;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import org.tinyphone.sim.audio.AudioSocketCaller;

/**
 * Places simulated calls into a running Tinyphone server over the real protocols and ports, exactly as Asterisk
 * (and {@code bin/tinyphone-agi}) would (over ARI the server is the one that connects, to a simulated Asterisk):
 * {@code ./tinyphone simulate}, {@code ./tinyphone demo} and the end-to-end
 * tests use it. Each call blocks its thread until the call is over; run many at once on virtual threads.
 */
public final class Simulator {
    /** The FastAGI script path of the bridge app. */
    public static final String BRIDGE_SCRIPT = "tinyphone";

    private Simulator() {}

    /** Places one call via {@code via} to {@code host:port} and returns once it has ended. */
    public static CallResult place(SimulatedCall call, Via via, String host, int port) throws IOException,
            InterruptedException {
        InetSocketAddress server = new InetSocketAddress(host, port);
        return switch (via) {
            case FASTAGI -> FastAgiCaller.place(call, server, BRIDGE_SCRIPT);
            case RELAY -> RelayTunnelCaller.place(call, server);
            case LEGACY -> LegacyLineCaller.place(call, server);
            case AUDIOSOCKET -> audioSocket(call, server, UUID.randomUUID());
            case ARI -> throw new IllegalArgumentException("over ARI the server connects to Asterisk: place the call with "
                    + "placeAri on a simulated ARI Asterisk the server's ari.url points at");
        };
    }

    /** The Stasis application of the bridge ({@code ari.app}'s default). */
    public static final String BRIDGE_APP = "tinyphone";

    /**
     * An ARI call: {@code asterisk}, which the server's ARI client is connected to ({@link #awaitAriServer}), puts a
     * caller into {@code Stasis(app,args)}; returns once the call has left Stasis.
     */
    public static CallResult placeAri(SimulatedCall call, SimulatedAriAsterisk asterisk, String app) throws InterruptedException {
        return AriCaller.place(call, asterisk, app);
    }

    /** Waits until a server serves {@code app} on {@code asterisk} (its events WebSocket is open); false on timeout. */
    public static boolean awaitAriServer(SimulatedAriAsterisk asterisk, String app, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!asterisk.connectedApps().contains(app)) {
            if (System.nanoTime() - deadline >= 0) return false;
            Thread.sleep(50);
        }
        return true;
    }

    /** An AudioSocket call with a given UUID (for example one the bridge app set as {@code TINYPHONE_UUID}). */
    public static CallResult placeAudioSocket(SimulatedCall call, UUID uuid, String host, int port)
            throws IOException, InterruptedException {
        return audioSocket(call, new InetSocketAddress(host, port), uuid);
    }

    /**
     * An AudioSocket call as the documented dialplan makes it: {@code AGI(agi://host:fastagiPort/tinyphone?audiosocket)}
     * (caller id and dialed number; the bridge app sets {@code TINYPHONE_UUID}), then
     * {@code AudioSocket(${TINYPHONE_UUID},host:audiosocketPort)} with the audio and the keys.
     */
    public static CallResult placeAudioSocketHandOff(SimulatedCall call, String host, int fastagiPort,
                                                     int audiosocketPort) throws IOException, InterruptedException {
        CallResult agi = placeFastAgi(call.withAudio(null), BRIDGE_SCRIPT + "?audiosocket", host, fastagiPort);
        String prefix = "SET VARIABLE TINYPHONE_UUID";
        UUID uuid = agi.commands().stream().filter(c -> c.startsWith(prefix))
                .map(c -> UUID.fromString(c.substring(prefix.length()).replace("\"", "").trim()))
                .findFirst().orElseThrow(() -> new IOException("the bridge app set no TINYPHONE_UUID (commands: "
                        + agi.commands() + ")"));
        CallResult audio = placeAudioSocket(call, uuid, host, audiosocketPort);
        return new CallResult(Via.AUDIOSOCKET, agi.callId(), audio.keys(), agi.commands(), audio.endedBy(),
                audio.audioFrames(), agi.duration().plus(audio.duration()), audio.audioBack());
    }

    /** A FastAGI call to another script path (the bridge app answers {@code tinyphone}). */
    public static CallResult placeFastAgi(SimulatedCall call, String script, String host, int port)
            throws IOException, InterruptedException {
        return FastAgiCaller.place(call, new InetSocketAddress(host, port), script);
    }

    /**
     * {@code AudioSocket(uuid,host:port)} on the {@link KeyPad}'s clock: the UUID frame, 20 ms audio frames (in
     * bursts of {@link SimulatedCall#framesPerBurst()}) while the caller has audio, a DTMF frame per key, and at the
     * caller's hangup just a close (Asterisk 22 sends no hangup frame). A hangup frame or a close from the server ends
     * the call from its side; a server that sends no frame at all does not speak AudioSocket.
     */
    private static CallResult audioSocket(SimulatedCall call, InetSocketAddress server, UUID uuid) throws IOException,
            InterruptedException {
        long started = System.nanoTime();
        KeyPad keypad = new KeyPad(call);
        AtomicBoolean serverEnded = new AtomicBoolean();
        Heard heard = new Heard();
        AtomicReference<String> notAudioSocket = new AtomicReference<>();
        Thread reader = null;
        AudioSocketCaller caller = null;
        try (AudioSocketCaller asterisk = AudioSocketCaller.connect(server.getHostString(), server.getPort(), uuid)) {
            caller = asterisk;
            reader = Thread.ofVirtual().name("sim-audiosocket-read " + uuid).start(() -> {
                if (readUntilHangup(asterisk, heard, notAudioSocket)) {
                    serverEnded.set(true);
                    keypad.hangUp();
                }
            });
            keypad.start(System.nanoTime());
            AudioSource.Frames audio = call.audio() == null ? null : call.audio().open();
            long nextFrame = System.nanoTime();
            while (true) {
                int key;
                while ((key = keypad.pollKey()) >= 0) {
                    asterisk.sendDtmf(String.valueOf((char) key));
                }
                if (key == KeyPad.HANGUP) {
                    break;
                }
                long now = System.nanoTime();
                if (audio != null && now - nextFrame >= 0) {
                    byte[] burst = new byte[AudioSource.FRAME_BYTES * call.framesPerBurst()];
                    for (int f = 0; f < call.framesPerBurst(); f++) {
                        System.arraycopy(audio.next(), 0, burst, f * AudioSource.FRAME_BYTES, AudioSource.FRAME_BYTES);
                    }
                    asterisk.sendAudio(burst, AudioSocketCaller.Pacing.FAST);
                    nextFrame += 20_000_000L * call.framesPerBurst();
                    continue;
                }
                LegacyLineCaller.sleepUntil(audio == null ? keypad.nextEventAt()
                        : Math.min(nextFrame, keypad.nextEventAt()));
            }
            // a server that ended the call: wait for the reader to have said how (a hangup frame, or not a word)
            if (serverEnded.get()) reader.join(1000);
        } catch (IOException e) {
            if (reader != null) reader.join(1000); // a write that failed because the server closed: how did it?
            if (!serverEnded.get()) {
                throw e;
            }
        }
        if (notAudioSocket.get() != null) {
            throw notAudioSocket.get().isEmpty() ? WrongPeer.closed(server, "AudioSocket")
                    : WrongPeer.answered(server, notAudioSocket.get(), "AudioSocket");
        }
        return new CallResult(Via.AUDIOSOCKET, uuid.toString(), keypad.pressed(), List.of(),
                serverEnded.get() ? CallResult.EndedBy.SERVER : CallResult.EndedBy.CALLER, caller.framesSent(),
                Duration.ofNanos(System.nanoTime() - started), heard.result());
    }

    /** The audio frames the server sends the caller: counted, and the first {@link CallResult.AudioBack#MAX_KEPT_BYTES} kept. */
    private static final class Heard {
        private final ByteArrayOutputStream samples = new ByteArrayOutputStream();
        private long frames;

        synchronized void add(byte[] slin8k) {
            frames++;
            int room = CallResult.AudioBack.MAX_KEPT_BYTES - samples.size();
            if (room > 0) samples.write(slin8k, 0, Math.min(room, slin8k.length));
        }

        synchronized CallResult.AudioBack result() {
            return frames == 0 ? CallResult.AudioBack.NONE : new CallResult.AudioBack(frames, samples.toByteArray());
        }
    }

    /**
     * Reads the server's frames, keeping its 8 kHz audio in {@code heard}; true if it sent a hangup frame or closed,
     * false if our side closed first. A server that closes without any frame, or sends something that is no
     * AudioSocket frame, speaks something else (or refused the call): {@code notAudioSocket} gets "" or the bytes it
     * sent, as text.
     */
    private static boolean readUntilHangup(AudioSocketCaller asterisk, Heard heard, AtomicReference<String> notAudioSocket) {
        boolean framed = false;
        try {
            while (true) {
                AudioSocketCaller.Frame frame = asterisk.readFrame(Duration.ofDays(1));
                if (frame == null) continue;
                framed = true;
                if (frame.type() == AudioSocketCaller.AUDIO_8K) {
                    heard.add(frame.payload());
                } else if (frame.type() == AudioSocketCaller.HANGUP) {
                    return true;
                }
            }
        } catch (AudioSocketCaller.NotAudioSocketException e) {
            notAudioSocket.set(e.said());
            return true;
        } catch (EOFException e) {
            if (!framed) notAudioSocket.set("");
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
