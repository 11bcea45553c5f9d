package org.tinyphone.relay;

import static org.tinyphone.sim.fuzz.FuzzCheck.oneIn;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tinyphone.sim.fuzz.RepeatingInputStream;

/**
 * The server's end of a relay tunnel over a real loopback connection, fed any frames: the AGI input it offers is
 * exactly the AGI bytes the relay sent, with a {@code HANGUP} line at the first line boundary after each hangup (as
 * FastAGI would send it); audio and hangups reach the listener; the session ends exactly once, at END, at an unknown
 * frame, at a cut frame or at the end of the connection. A relay that never stops sending AGI bytes is cut off
 * before the unread input passes its limit.
 */
class RelaySessionFuzzTest {
    private static final byte[] HANGUP_LINE = "HANGUP\n".getBytes(StandardCharsets.US_ASCII);
    private static ServerSocket listener;

    private static synchronized ServerSocket listener() throws IOException {
        if (listener == null) {
            listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        return listener;
    }

    @FuzzTest
    void tunnel(FuzzedDataProvider data) throws Exception {
        boolean hangupLine = data.consumeBoolean();
        byte[] frames = data.consumeRemainingAsBytes();
        // one input in 64 is sent over and over past the input limit: each such run moves more than a MiB
        boolean endless = oneIn(64, frames);
        try (var allowed = BugDetectors.allowNetworkConnections((host, port) -> true);
             Socket relay = new Socket(InetAddress.getLoopbackAddress(), listener().getLocalPort());
             Socket accepted = listener().accept()) {
            // closed with a reset, not a FIN: millions of connections must not park the ephemeral ports in TIME_WAIT
            relay.setSoLinger(true, 0);
            accepted.setSoLinger(true, 0);
            Recorder heard = new Recorder();
            RelaySession session = RelaySession.open(accepted, accepted.getInputStream(), heard, hangupLine);
            Thread writer = Thread.ofVirtual().start(() -> {
                try (OutputStream out = relay.getOutputStream()) {
                    if (endless) new RepeatingInputStream(frames, RelaySession.MAX_BUFFERED_AGI + 256 * 1024).transferTo(out);
                    else out.write(frames);
                    relay.shutdownOutput();
                } catch (IOException e) {
                    // the session cut the tunnel off: expected for an endless relay
                }
            });
            if (endless) {
                writer.join(TimeUnit.SECONDS.toMillis(30));
                require(session.awaitEnd(30, TimeUnit.SECONDS), "the session ends when the relay's bytes end");
                int unread = session.agiInput().available();
                require(unread <= RelaySession.MAX_BUFFERED_AGI + HANGUP_LINE.length,
                        () -> "unread AGI input stays within its limit: " + unread);
                return;
            }
            byte[] agi = session.agiInput().readAllBytes();
            require(session.awaitEnd(30, TimeUnit.SECONDS), "the session ends when the relay's bytes end");
            Expected want = expected(frames, hangupLine);
            require(Arrays.equals(agi, want.agi), () -> "AGI input is the relay's AGI bytes plus HANGUP lines:\n"
                    + new String(agi, StandardCharsets.ISO_8859_1) + "\n---\n" + new String(want.agi, StandardCharsets.ISO_8859_1));
            require(heard.audio.get() == want.audio && heard.hangups.get() == want.hangups,
                    () -> "audio " + heard.audio + "/" + want.audio + " and hangups " + heard.hangups + "/" + want.hangups + " reach the listener");
            require(heard.ended.get() == 1, () -> "ended is reported exactly once, not " + heard.ended);
            require(!session.isOpen() && session.endReason() != null, "the session says why it ended");
            writer.join();
        }
    }

    private static final class Recorder implements RelayListener {
        final AtomicLong audio = new AtomicLong();
        final AtomicInteger hangups = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();

        @Override public void audio(byte[] pcm, int offset, int length) { audio.addAndGet(length); }
        @Override public void level(int peak, int rms) { require(peak >= 0 && peak <= 32768 && rms >= 0 && rms <= peak, "a level in range"); }
        @Override public void hangup() { hangups.incrementAndGet(); }
        @Override public void ended(String reason) { ended.incrementAndGet(); }
    }

    private record Expected(byte[] agi, long audio, int hangups) { }

    /**
     * What the relay protocol promises, read off the frames: the AGI stream, and for each hangup the position in it
     * where its line goes (where it came if that is the start of a line, else after the next LF; hangups waiting
     * for the same LF share one line; one with no LF after it never shows).
     */
    private static Expected expected(byte[] frames, boolean hangupLine) {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<Integer> hangupsAt = new ArrayList<>();
        long audio = 0;
        int p = 0;
        while (p + 3 <= frames.length) {
            int type = frames[p] & 0xff;
            int len = (frames[p + 1] & 0xff) << 8 | frames[p + 2] & 0xff;
            if (p + 3 + len > frames.length || type == RelayProtocol.END) break;
            if (type == RelayProtocol.AGI_IN) stream.write(frames, p + 3, len);
            else if (type == RelayProtocol.AUDIO) audio += len;
            else if (type == RelayProtocol.HANGUP) hangupsAt.add(stream.size());
            else break;                                   // unknown frame: the session ends
            p += 3 + len;
        }
        byte[] s = stream.toByteArray();
        ByteArrayOutputStream agi = new ByteArrayOutputStream();
        int copied = 0;
        int lastMidLineTarget = -1;
        for (int at : hangupLine ? hangupsAt : List.<Integer>of()) {
            int target;
            if (at == 0 || s[at - 1] == '\n') {
                target = at;
            } else {
                int lf = at;
                while (lf < s.length && s[lf] != '\n') lf++;
                if (lf == s.length) break;                // no line end follows: never shown
                target = lf + 1;
                if (target == lastMidLineTarget) continue; // already waiting for that line end
                lastMidLineTarget = target;
            }
            agi.write(s, copied, target - copied);
            copied = target;
            agi.writeBytes(HANGUP_LINE);
        }
        agi.write(s, copied, s.length - copied);
        return new Expected(agi.toByteArray(), audio, hangupsAt.size());
    }
}
