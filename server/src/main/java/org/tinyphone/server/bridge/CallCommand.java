package org.tinyphone.server.bridge;

import java.time.Duration;
import java.util.Objects;

/** A talk-back command an app sends to a call; run in order on the call's {@link CallControl}. */
public sealed interface CallCommand {

    /** The command's type on the wire ("play", "say_number", ...). */
    String kind();

    /** Play a sound file (no extension); a key in {@code escapeDigits} interrupts it and is the result value. */
    record Play(String file, String escapeDigits) implements CallCommand {
        public Play {
            requireText(file, "file");
            escapeDigits = escapeDigits == null ? "" : escapeDigits;
            requireDigits(escapeDigits, "escapeDigits");
        }
        @Override public String kind() { return "play"; }
    }

    /** Say a number ("one hundred twenty three"). */
    record SayNumber(long number) implements CallCommand {
        @Override public String kind() { return "say_number"; }
    }

    /** Say digits one by one. */
    record SayDigits(String digits) implements CallCommand {
        public SayDigits {
            requireText(digits, "digits");
            if (!digits.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("digits must be 0-9 only: " + digits);
            }
        }
        @Override public String kind() { return "say_digits"; }
    }

    /** Play {@code prompt} (may be empty) and collect up to {@code maxDigits} keys; the value is the keys. */
    record CollectDigits(String prompt, int maxDigits, Duration timeout) implements CallCommand {
        public CollectDigits {
            prompt = prompt == null ? "" : prompt;
            if (maxDigits < 1 || maxDigits > 64) throw new IllegalArgumentException("maxDigits must be 1..64: " + maxDigits);
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.toSeconds() > 600) {
                throw new IllegalArgumentException("timeout must be between 1 ms and 600 s: " + timeout);
            }
        }
        @Override public String kind() { return "collect_digits"; }
    }

    /** Set a channel variable. */
    record SetVariable(String name, String value) implements CallCommand {
        public SetVariable {
            requireText(name, "name");
            value = value == null ? "" : value;
        }
        @Override public String kind() { return "set_variable"; }
    }

    /** Hang up the call. */
    record Hangup() implements CallCommand {
        @Override public String kind() { return "hangup"; }
    }

    private static void requireText(String s, String what) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException(what + " is missing");
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) throw new IllegalArgumentException(what + " has control characters");
    }

    private static void requireDigits(String s, String what) {
        if (!s.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '*' || c == '#')) {
            throw new IllegalArgumentException(what + " may only hold 0-9 * #: " + s);
        }
    }
}
