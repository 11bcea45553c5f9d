package org.tinyphone.sim.agi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.Transcript.Dir;
import org.tinyphone.sim.Transcript.Entry;

/**
 * Plays Asterisk's side of a recorded AGI transcript against a real app and checks every line the app sends.
 *
 * <p>{@code <<} lines are sent in recorded order (the {@code HANGUP} notice included, wherever it was
 * recorded); each {@code >>} line must be the next line the app sends, byte for byte; a {@code --} event
 * where "our side" shuts down or the script exits means the app must close its side now; "socket closed by
 * Asterisk" makes the replay close the connection. Timings are not replayed.
 */
public final class AgiTranscriptReplay {
    private final Transcript transcript;
    private Duration readTimeout = Duration.ofSeconds(20);
    private Consumer<AgiPeer.WireLine> tap;

    private AgiTranscriptReplay(Transcript transcript) { this.transcript = transcript; }

    public static AgiTranscriptReplay of(Transcript transcript) { return new AgiTranscriptReplay(transcript); }

    public static AgiTranscriptReplay of(String captureName) { return of(Transcript.load(captureName)); }

    /** How long to wait for each line from the app (default 20 s). */
    public AgiTranscriptReplay readTimeout(Duration d) { this.readTimeout = d; return this; }

    /** Sees every line exchanged. */
    public AgiTranscriptReplay tap(Consumer<AgiPeer.WireLine> tap) { this.tap = tap; return this; }

    /** What happened: an empty {@code mismatches} list means the app said exactly what the capture says. */
    public record Result(String capture, List<String> mismatches, List<String> appLines, boolean appClosed) {
        public boolean ok() { return mismatches.isEmpty(); }

        /** Throws an AssertionError listing every mismatch. */
        public Result assertOk() {
            if (!ok()) {
                throw new AssertionError("replay of " + capture + " failed:\n  " + String.join("\n  ", mismatches)
                        + "\napp sent:\n  " + String.join("\n  ", appLines));
            }
            return this;
        }
    }

    /** Connects to a FastAGI server like Asterisk and replays. */
    public Result againstFastAgi(String host, int port) throws IOException {
        try (AgiPeer peer = AgiPeer.connect(host, port, readTimeout, tap)) {
            return replay(peer);
        }
    }

    /** Replays over a process's streams: {@code fromApp} = its stdout, {@code toApp} = its stdin. */
    public Result overStreams(InputStream fromApp, OutputStream toApp) throws IOException {
        try (AgiPeer peer = AgiPeer.over(fromApp, toApp, tap)) {
            return replay(peer);
        }
    }

    private Result replay(AgiPeer peer) throws IOException {
        List<String> mismatches = new ArrayList<>();
        List<String> appLines = new ArrayList<>();
        boolean appClosed = false;
        boolean weClosed = false;
        List<Entry> entries = transcript.entries();
        for (int i = 0; i < entries.size() && mismatches.isEmpty() && !weClosed; i++) {
            Entry e = entries.get(i);
            String where = transcript.name() + " entry " + (i + 1) + " (" + e.seconds() + " s)";
            switch (e.dir()) {
                case ASTERISK -> {
                    if (appClosed && e.text().isEmpty()) continue;
                    try {
                        peer.send(e.text());
                    } catch (SocketException ex) {
                        if (!appClosed) mismatches.add(where + ": could not send '" + e.text() + "': " + ex.getMessage());
                    }
                }
                case CLIENT -> {
                    String got = read(peer, where, mismatches);
                    if (got == null) {
                        if (mismatches.isEmpty()) mismatches.add(where + ": expected '" + e.text() + "' but the app closed the connection");
                        appClosed = true;
                    } else {
                        appLines.add(got);
                        if (!got.equals(e.text())) mismatches.add(where + ": expected '" + e.text() + "' but the app sent '" + got + "'");
                    }
                }
                case SOCKET -> {
                    String t = e.text();
                    if (t.contains("not sent")) continue;
                    if ((t.contains("our side") && (t.contains("shut") || t.contains("close"))) || t.contains("script exits")) {
                        String got = read(peer, where, mismatches);
                        if (got != null) {
                            appLines.add(got);
                            mismatches.add(where + ": expected the app to end the session but it sent '" + got + "'");
                        } else {
                            appClosed = true;
                        }
                    } else if (t.contains("closed by Asterisk")) {
                        peer.close();
                        weClosed = true;
                    }
                }
                case HARNESS -> { }
            }
        }
        return new Result(transcript.name(), List.copyOf(mismatches), List.copyOf(appLines), appClosed);
    }

    private String read(AgiPeer peer, String where, List<String> mismatches) throws IOException {
        try {
            return peer.readLine();
        } catch (SocketTimeoutException ex) {
            mismatches.add(where + ": the app sent nothing within " + readTimeout.toMillis() + " ms");
            return null;
        } catch (SocketException ex) {
            return null; // reset: the app side is gone
        }
    }

    /** The lines Asterisk sent in a capture, for reference. */
    public List<String> asteriskLines() { return transcript.lines(Dir.ASTERISK); }
}
