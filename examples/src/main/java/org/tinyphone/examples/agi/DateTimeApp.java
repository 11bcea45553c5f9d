package org.tinyphone.examples.agi;

import java.time.Clock;
import java.time.ZoneId;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiChannel;

/**
 * {@code /datetime}: answer and say the current date and time (SAY DATETIME), then hang up. The time zone is
 * the {@code ?tz=} parameter of the AGI URL ({@code agi://127.0.0.1:4573/datetime?tz=Europe/Berlin}),
 * else this server's zone.
 */
public final class DateTimeApp implements AgiApp {
    /** "Monday, November 23 2026 at 4 30 PM". */
    static final String FORMAT = "ABdY 'digits/at' IMp";

    private final Clock clock;

    public DateTimeApp() { this(Clock.systemDefaultZone()); }

    public DateTimeApp(Clock clock) { this.clock = clock; }

    @Override
    public void run(AgiChannel ch) {
        String tz = ch.environment().query().getOrDefault("tz", clock.getZone().getId());
        try {
            tz = ZoneId.of(tz).getId();
        } catch (RuntimeException e) {
            ch.verbose("datetime: unknown time zone " + tz + ", using UTC");
            tz = "UTC";
        }
        ch.answer();
        ch.sayDateTime(clock.instant().getEpochSecond(), "#", FORMAT, tz);
        ch.hangup();
    }
}
