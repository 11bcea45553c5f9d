package org.tinyphone.examples.stream;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import org.tinyphone.net.LogText;

/**
 * {@code /echo}: plays the caller's audio back {@code delay} later. At {@code start} it sends {@code delay} of µ-law
 * silence, then every {@code media} payload straight back; since Tinyphone (like Twilio) plays what an app sends at
 * real time, one frame every 20 ms, the caller hears themselves {@code delay} late. A {@code mark} after each second
 * echoed says how far the playing has got when it comes back. A key clears what is queued ({@code clear}) and starts
 * the delay afresh.
 */
public final class EchoCall extends StreamCall {
    /** µ-law bytes per second (8 kHz, one byte a sample). */
    static final int BYTES_PER_SECOND = 8000;
    /** One µ-law frame: 20 ms. */
    static final int FRAME_BYTES = 160;
    /** µ-law's silence (a linear 0). */
    static final byte SILENCE = (byte) 0xff;

    private final byte[] lead;
    private long framesIn;
    private long bytesEchoed;
    private int marksSent;
    private int marksBack;

    EchoCall(Duration delay, PrintStream out) {
        super("echo", out);
        lead = new byte[(int) (delay.toMillis() * BYTES_PER_SECOND / 1000)];
        Arrays.fill(lead, SILENCE);
    }

    @Override
    void started(JsonNode start) {
        say("started, from " + LogText.escape(start.path("customParameters").path("callerId").asText("?"), 64)
                + " to " + LogText.escape(start.path("customParameters").path("number").asText("?"), 64)
                + " (stream " + LogText.escape(streamSid, 64) + "); echoing " + lead.length * 1000 / BYTES_PER_SECOND + " ms late");
        if (lead.length > 0) sendMedia(lead);
    }

    @Override
    void media(byte[] ulaw) {
        framesIn += (ulaw.length + FRAME_BYTES - 1) / FRAME_BYTES;
        sendMedia(ulaw);
        long before = bytesEchoed / BYTES_PER_SECOND;
        bytesEchoed += ulaw.length;
        for (long s = before + 1; s <= bytesEchoed / BYTES_PER_SECOND; s++) {
            sendMark("echo " + s + " s");
            marksSent++;
        }
    }

    @Override
    void dtmf(String digit) {
        sendClear();
        if (lead.length > 0) sendMedia(lead);
        say("key " + LogText.escape(digit, 8) + ": cleared the queued audio, the delay starts again");
    }

    @Override
    void markBack(String name) {
        marksBack++;
        say("mark '" + LogText.escape(name, 64) + "' back");
    }

    @Override
    void stopped(boolean sawStop) {
        say((sawStop ? "stop: " : "the connection ended without stop: ") + framesIn + " frames in ("
                + String.format("%.1f", bytesEchoed / (double) BYTES_PER_SECOND) + " s) echoed, " + marksSent + " marks sent, "
                + marksBack + " back" + (ignored() > 0 ? ", " + ignored() + " messages ignored" : ""));
    }
}
