package org.tinyphone.examples.stream;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.net.LogText;

/**
 * {@code /recorder}: writes each call's audio to {@code <dir>/<callSid>.wav}, 16-bit PCM, 8 kHz, mono (the µ-law
 * decoded by {@link Mulaw}). The samples go to {@code <file>.part} as they come, so a long call takes no memory; at
 * {@code stop} (or when the connection ends without one) the JDK's {@link AudioSystem} writes the WAV file from it.
 * A callSid is made a safe file name ({@code [A-Za-z0-9._-]}, others as {@code _}); a file already there (the same
 * call streamed again after a reconnection) gets {@code -2}, {@code -3}, … A call is recorded up to an hour.
 */
public final class RecorderCall extends StreamCall {
    /** At most an hour per call (57.6 MB of samples). */
    static final long MAX_BYTES = 3600L * 8000 * 2;
    private static final AudioFormat PCM_8K = new AudioFormat(8000, 16, 1, true, false);

    private final Path dir;
    private Path file;
    private Path part;
    private OutputStream samples;
    private long bytes;
    private boolean full;

    RecorderCall(Path dir, PrintStream out) {
        super("recorder", out);
        this.dir = dir;
    }

    @Override
    void started(JsonNode start) {
        try {
            file = freeName(dir, callSid);
            part = file.resolveSibling(file.getFileName() + ".part");
            samples = new BufferedOutputStream(Files.newOutputStream(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
            say("started, from " + LogText.escape(start.path("customParameters").path("callerId").asText("?"), 64)
                    + " (stream " + LogText.escape(streamSid, 64) + "); recording to " + file);
        } catch (IOException e) {
            say("cannot record: " + LogText.escape(e.toString()));
            samples = null;
        }
    }

    /** {@code dir/<safe callSid>.wav}, or {@code -2}, {@code -3}… if taken. */
    static Path freeName(Path dir, String callSid) throws IOException {
        String base = callSid.replaceAll("[^A-Za-z0-9._-]", "_");
        if (base.length() > 100) base = base.substring(0, 100);
        if (base.isEmpty() || base.startsWith(".")) base = "call" + base;
        Path f = dir.resolve(base + ".wav");
        for (int n = 2; Files.exists(f) || Files.exists(f.resolveSibling(f.getFileName() + ".part")); n++) {
            if (n > 1000) throw new IOException("no free file name for " + base + " in " + dir);
            f = dir.resolve(base + "-" + n + ".wav");
        }
        return f;
    }

    @Override
    void media(byte[] ulaw) {
        if (samples == null || full) return;
        int n = (int) Math.min(ulaw.length, (MAX_BYTES - bytes) / 2);
        try {
            samples.write(Mulaw.toPcm(ulaw, 0, n));
            bytes += 2L * n;
        } catch (IOException e) {
            say("cannot write " + part + ": " + LogText.escape(e.toString()) + "; recording stopped");
            full = true;
            return;
        }
        if (n < ulaw.length) {
            full = true;
            say("an hour recorded: the rest of the call is not");
        }
    }

    @Override
    void stopped(boolean sawStop) {
        if (samples == null) return;
        try {
            samples.close();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(part));
                 AudioInputStream audio = new AudioInputStream(in, PCM_8K, bytes / 2)) {
                AudioSystem.write(audio, AudioFileFormat.Type.WAVE, file.toFile());
            }
            Files.delete(part);
            say((sawStop ? "stop: " : "the connection ended without stop: ") + bytes / 320 + " frames ("
                    + String.format("%.1f", bytes / 16000.0) + " s) written to " + file);
        } catch (IOException e) {
            say("cannot write " + file + ": " + LogText.escape(e.toString()) + " (the samples are in " + part + ")");
        }
    }
}
