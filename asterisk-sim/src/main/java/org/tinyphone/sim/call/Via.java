package org.tinyphone.sim.call;

import java.util.Locale;

/** The way a simulated call reaches the server, each exactly as Asterisk (or the relay program) would speak it. */
public enum Via {
    /** {@code AGI(agi://host:4573/tinyphone,...)}: environment block, then answers to the server's AGI commands. */
    FASTAGI(4573),
    /** {@code EAGI(bin/tinyphone-agi,...)}: the relay program's tunnel on 12001, AGI session plus caller audio. */
    RELAY(12001),
    /** The original script's legacy lines ({@code id:..,event:..,value:..}) on 12001, as the Ruby per-call script sends them. */
    LEGACY(12001),
    /** {@code AudioSocket(uuid,host:9092)}: UUID frame, 20 ms audio frames, DTMF frames, then close. */
    AUDIOSOCKET(9092),
    /**
     * {@code Stasis(tinyphone,args)} on a simulated ARI Asterisk listening on 8088, which the server's ARI client
     * ({@code ari.url}) is connected to: StasisStart, DTMF events, REST, and the caller's audio over externalMedia.
     */
    ARI(8088);

    private final int defaultPort;

    Via(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    /** The port this way in uses unless told otherwise (for ARI: the simulated Asterisk's HTTP port, not the server's). */
    public int defaultPort() {
        return defaultPort;
    }

    /** Parses {@code fastagi|relay|legacy|audiosocket|ari} (case-insensitive). */
    public static Via parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --via '" + text + "': use fastagi, relay, legacy, audiosocket or ari");
        }
    }
}
