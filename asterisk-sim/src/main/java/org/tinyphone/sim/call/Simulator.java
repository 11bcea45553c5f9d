package org.tinyphone.sim.call;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.UUID;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;

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
            case LEGACY -> LegacyRelayCaller.place(call, server);
            case AUDIOSOCKET -> AudioSocketCaller.place(call, server, UUID.randomUUID());
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
        return AudioSocketCaller.place(call, new InetSocketAddress(host, port), uuid);
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
}
