package org.tinyphone.examples.agi;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiChannel;
import org.tinyphone.agi.DigitResult;
import org.tinyphone.agi.InputResult;

/**
 * {@code /ivr}: passcode first (three tries; the passcode is the first all-digit AGI argument,
 * {@code AGI(agi://127.0.0.1:4573/ivr,4321)} or {@code AGI(agi:async,ivr,4321)}, else
 * {@value #DEFAULT_PASSCODE}), then a menu:
 * 1 = hear a number, 2 = hang up; two silent rounds, or {@value #MAX_ROUNDS} rounds, also end the call.
 * Uses only Asterisk's core sounds.
 */
public final class IvrApp implements AgiApp {
    public static final String DEFAULT_PASSCODE = "1234";
    private static final String MENU_KEYS = "12";
    /** Menu rounds per call before the IVR says goodbye anyway. */
    static final int MAX_ROUNDS = 20;

    private final LongSupplier numbers;

    public IvrApp() { this(() -> ThreadLocalRandom.current().nextLong(1, 1000)); }

    /** {@code numbers} supplies the number said for option 1. */
    public IvrApp(LongSupplier numbers) { this.numbers = numbers; }

    @Override
    public void run(AgiChannel ch) {
        ch.answer();
        String passcode = ch.environment().args().stream().filter(a -> a.matches("\\d+")).findFirst()
                .orElse(DEFAULT_PASSCODE);
        if (!login(ch, passcode)) {
            ch.streamFile("vm-goodbye");
            ch.hangup();
            return;
        }
        ch.streamFile("auth-thankyou");
        int silentRounds = 0;
        int rounds = 0;
        char pending = 0; // a key pressed while a number was said is the next choice
        while (silentRounds < 2 && rounds++ < MAX_ROUNDS) {
            char key = pending != 0 ? pending : menu(ch);
            pending = 0;
            switch (key) {
                case '1' -> {
                    silentRounds = 0;
                    DigitResult said = ch.sayNumber(numbers.getAsLong(), MENU_KEYS);
                    if (said.pressed()) pending = said.digit();
                }
                case '2' -> silentRounds = 2;
                default -> silentRounds++;
            }
        }
        ch.streamFile("vm-goodbye");
        ch.hangup();
    }

    private static boolean login(AgiChannel ch, String passcode) {
        for (int attempt = 1; attempt <= 3; attempt++) {
            InputResult in = ch.getData("agent-pass", 5000, passcode.length());
            if (in.digits().equals(passcode)) return true;
            ch.streamFile("auth-incorrect");
        }
        return false;
    }

    /** "Press 1 ... press 2": any key during the prompt counts; then waits 5 s. Returns 0 for none. */
    private static char menu(AgiChannel ch) {
        String[][] prompt = {{"vm-press", null}, {null, "1"}, {"silence/1", null}, {"vm-press", null}, {null, "2"}};
        for (String[] step : prompt) {
            var r = step[0] != null ? ch.streamFile(step[0], MENU_KEYS) : ch.sayDigits(step[1], MENU_KEYS);
            if (r.pressed()) return r.digit();
        }
        var r = ch.waitForDigit(5000);
        return r.pressed() ? r.digit() : 0;
    }
}
