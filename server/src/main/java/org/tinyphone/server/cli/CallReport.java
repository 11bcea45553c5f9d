package org.tinyphone.server.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.Via;

/**
 * What {@code simulate} says about a call it placed: the keys pressed, who hung up and when, the audio sent and the
 * audio that came back, the server's AGI commands (or ARI requests) in short; and, for {@code --record-back}, the
 * audio back as a WAV file.
 */
final class CallReport {
    private CallReport() {}

    static void print(CallResult r) {
        System.out.printf("call %s: pressed %s, %s hung up after %.1f s%s%n", r.callId(),
                r.keys().isEmpty() ? "no keys" : String.join(" ", r.keys().split("")),
                r.endedBy() == CallResult.EndedBy.CALLER ? "caller" : "server",
                r.duration().toMillis() / 1000.0,
                r.audioFrames() > 0 ? ", " + r.audioFrames() * 20 / 1000.0 + " s of audio sent" : "");
        if (r.via() == Via.AUDIOSOCKET) {
            System.out.println(r.audioBack().frames() == 0 ? "  no audio came back (a number with a media stream app plays its audio to the caller: docs/streams.md)"
                    : String.format("  audio back from the server: %d frames (%.1f s)", r.audioBack().frames(), r.audioBack().seconds()));
        }
        if (!r.commands().isEmpty()) {
            System.out.println((r.via() == Via.ARI ? "  ARI requests from the server about the call: " : "  AGI commands from the server: ")
                    + summarize(r.commands()));
        }
    }

    /** "ANSWER, WAIT FOR DIGIT 250 ×12, STREAM FILE hello-world ..." */
    static String summarize(List<String> commands) {
        List<String> out = new ArrayList<>();
        String last = null;
        int repeat = 0;
        for (String c : commands) {
            if (c.equals(last)) {
                repeat++;
                continue;
            }
            if (last != null) {
                out.add(repeat > 1 ? last + " ×" + repeat : last);
            }
            last = c;
            repeat = 1;
        }
        if (last != null) {
            out.add(repeat > 1 ? last + " ×" + repeat : last);
        }
        return String.join(", ", out);
    }

    /** {@code --record-back}: what came back as a WAV file; false (and said why) if it cannot be written. */
    static boolean writeBack(CallResult.AudioBack back, Path file) {
        byte[] samples = back.samples();
        AudioFormat pcm8k = new AudioFormat(8000, 16, 1, true, false);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(samples), pcm8k, samples.length / 2)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        } catch (IOException e) {
            System.err.println("tinyphone simulate: cannot write " + file + ": " + e.getMessage());
            return false;
        }
        System.out.printf("  the audio back (%.1f s) is in %s%s%n", samples.length / 16000.0, file,
                samples.length / 320 < back.frames() ? " (its first " + CallResult.AudioBack.MAX_KEPT_BYTES / 16000 / 60 + " minutes)" : "");
        return true;
    }
}
