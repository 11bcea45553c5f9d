package org.tinyphone.server.bridge;

import java.time.Duration;
import java.util.Objects;

/** A talk-back command an app sends to a call; run in order on the call's {@link CallControl}. */
public sealed interface CallCommand permits CallCommand.Play, CallCommand.SayNumber, CallCommand.SayDigits,
        CallCommand.CollectDigits, CallCommand.SetVariable, CallCommand.Hangup, CallCommand.Media {

    /** The command's type on the wire ("play", "say_number", ...). */
    String kind();

    /**
     * Play a sound file (no extension); a key in {@code escapeDigits} interrupts it and is the result value. Which
     * names may reach Asterisk is the bridge's {@link TalkbackPolicy}.
     */
    record Play(String file, String escapeDigits) implements CallCommand {
        public Play {
            requireText(file, "file", TalkbackPolicy.MAX_SOUND);
            escapeDigits = escapeDigits == null ? "" : escapeDigits;
            requireDigits(escapeDigits, "escapeDigits");
        }
        @Override public String kind() { return "play"; }
    }

    /** Say a number ("one hundred twenty three"); Asterisk reads a 32-bit integer. */
    record SayNumber(long number) implements CallCommand {
        public SayNumber {
            if (number < -Integer.MAX_VALUE || number > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("number must be between -" + Integer.MAX_VALUE + " and "
                        + Integer.MAX_VALUE + ": " + number);
            }
        }
        @Override public String kind() { return "say_number"; }
    }

    /** Say digits one by one (at most {@value #MAX_DIGITS}). */
    record SayDigits(String digits) implements CallCommand {
        public SayDigits {
            requireText(digits, "digits", MAX_DIGITS);
            if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("digits must be 0-9 only");
            }
        }
        @Override public String kind() { return "say_digits"; }
    }

    /** Play {@code prompt} (may be empty) and collect up to {@code maxDigits} keys; the value is the keys. */
    record CollectDigits(String prompt, int maxDigits, Duration timeout) implements CallCommand {
        public CollectDigits {
            prompt = prompt == null ? "" : prompt;
            if (!prompt.isEmpty()) requireText(prompt, "prompt", TalkbackPolicy.MAX_SOUND);
            if (maxDigits < 1 || maxDigits > MAX_DIGITS) throw new IllegalArgumentException("maxDigits must be 1..64: " + maxDigits);
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.toSeconds() > 600) {
                throw new IllegalArgumentException("timeout must be between 1 ms and 600 s: " + timeout);
            }
        }
        @Override public String kind() { return "collect_digits"; }
    }

    /** Set a channel variable (which names may reach Asterisk is the bridge's {@link TalkbackPolicy}). */
    record SetVariable(String name, String value) implements CallCommand {
        public SetVariable {
            requireText(name, "name", 200);
            value = value == null ? "" : value;
            if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("value has control characters");
            }
            if (value.length() > TalkbackPolicy.MAX_VALUE) {
                throw new IllegalArgumentException("value is longer than " + TalkbackPolicy.MAX_VALUE + " characters");
            }
        }
        @Override public String kind() { return "set_variable"; }
    }

    /** Hang up the call. */
    record Hangup() implements CallCommand {
        @Override public String kind() { return "hangup"; }
    }

    /**
     * A command on the call's audio ({@code stream}, {@code stop_stream}, {@code listen}, {@code send_audio},
     * {@code clear_audio}): run at once by the media streams of a call that has audio ({@link Call#attachMedia}), not
     * queued behind the call's other commands.
     */
    sealed interface Media extends CallCommand {}

    /** Stream the call's audio to {@code url} (ws:// or wss://; which hosts is the server's stream.allow). */
    record Stream(String url) implements Media {
        public Stream {
            requireText(url, "url", 2048);
        }
        @Override public String kind() { return "stream"; }
    }

    /** End the call's media stream ({@code stop} to the app), the call goes on. */
    record StopStream() implements Media {
        @Override public String kind() { return "stop_stream"; }
    }

    /** Give {@code sink} the call's audio in {@code format}, 20 ms a frame, until the call or the sink ends. */
    record Listen(AudioFormat format, AudioSink sink) implements Media {
        public Listen {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(sink, "sink");
        }
        @Override public String kind() { return "listen"; }
    }

    /**
     * Play {@code audio} (in {@code format}) to the caller, after the audio queued before it, at real time. The array
     * is the command's own.
     */
    record SendAudio(AudioFormat format, byte[] audio) implements Media {
        public SendAudio {
            Objects.requireNonNull(format, "format");
            if (audio == null || audio.length == 0) throw new IllegalArgumentException("audio is missing");
            if (audio.length % format.bytesPerSample() != 0) {
                throw new IllegalArgumentException(format + " audio must be whole " + format.bytesPerSample() * 8
                        + "-bit samples (" + audio.length + " bytes)");
            }
        }
        @Override public String kind() { return "send_audio"; }

        @Override
        public String toString() { // not the audio itself
            return "SendAudio[format=" + format + ", " + format.millis(audio.length) + " ms]";
        }
    }

    /** Drop the audio queued to be played to the caller (send_audio's), at once. */
    record ClearAudio() implements Media {
        @Override public String kind() { return "clear_audio"; }
    }

    /** Most digits one command says or collects. */
    int MAX_DIGITS = 64;

    private static void requireText(String s, String what, int maxLength) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException(what + " is missing");
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) throw new IllegalArgumentException(what + " has control characters");
        if (s.length() > maxLength) throw new IllegalArgumentException(what + " is longer than " + maxLength + " characters");
    }

    private static void requireDigits(String s, String what) {
        if (s.length() > 12 || !s.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '*' || c == '#')) {
            throw new IllegalArgumentException(what + " may only hold 0-9 * # (at most 12)");
        }
    }
}
