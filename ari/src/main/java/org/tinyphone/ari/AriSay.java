package org.tinyphone.ari;

import java.time.DayOfWeek;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * SAY DATE, SAY TIME and SAY DATETIME as media lists for one ARI playback. ARI can play {@code number:} and
 * {@code sound:} but has no date or time scheme, so the words are put together here the way Asterisk's English
 * {@code say.c} does ({@code ast_say_date_en}, {@code ast_say_time_en}, {@code ast_say_date_with_format_en}),
 * with Asterisk's core sound files ({@code digits/day-N}, {@code digits/mon-N}, {@code digits/h-N}, ...).
 */
final class AriSay {
    private AriSay() {}

    /** Day name, month name, day of month, year ({@code ast_say_date_en}). */
    static List<String> date(ZonedDateTime t) {
        List<String> m = new ArrayList<>();
        m.add("sound:digits/day-" + weekday(t.getDayOfWeek()));
        m.add("sound:digits/mon-" + (t.getMonthValue() - 1));
        m.add("number:" + t.getDayOfMonth());
        m.add("number:" + t.getYear());
        return m;
    }

    /** Hour (12-hour), minutes ({@code oh} 5, {@code oclock}), a-m / p-m ({@code ast_say_time_en}). */
    static List<String> time(ZonedDateTime t) {
        List<String> m = new ArrayList<>();
        int hour = t.getHour();
        boolean pm = hour >= 12;
        int h12 = hour == 0 ? 12 : hour > 12 ? hour - 12 : hour;
        m.add("number:" + h12);
        int min = t.getMinute();
        if (min > 9) {
            m.add("number:" + min);
        } else if (min > 0) {
            m.add("sound:digits/oh");
            m.add("number:" + min);
        } else {
            m.add("sound:digits/oclock");
        }
        m.add(pm ? "sound:digits/p-m" : "sound:digits/a-m");
        return m;
    }

    /**
     * A SAY DATETIME format ({@code ast_say_date_with_format_en}): {@code A a} day name, {@code B b h} month,
     * {@code d e} day of month as an ordinal, {@code Y} year, {@code I l} hour (12), {@code H k} hour (24),
     * {@code M N} minutes, {@code P p} a-m/p-m, {@code R} = {@code HM},
     * {@code 'file'} a sound file. Anything else is refused, naming it.
     */
    static List<String> format(ZonedDateTime t, String format) {
        List<String> m = new ArrayList<>();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            switch (c) {
                case '\'' -> {
                    int end = format.indexOf('\'', i + 1);
                    if (end < 0) throw new IllegalArgumentException("unclosed quote in the SAY DATETIME format " + format);
                    if (end > i + 1) m.add("sound:" + format.substring(i + 1, end));
                    i = end;
                }
                case 'A', 'a' -> m.add("sound:digits/day-" + weekday(t.getDayOfWeek()));
                case 'B', 'b', 'h' -> m.add("sound:digits/mon-" + (t.getMonthValue() - 1));
                case 'd', 'e' -> m.addAll(ordinal(t.getDayOfMonth()));
                case 'Y' -> {
                    int y = t.getYear();
                    if (y >= 2000) {
                        m.add("number:" + y);
                    } else if (y > 1900) {
                        m.add("sound:digits/19");
                        if (y % 100 <= 9) m.add("sound:digits/oh");
                        m.add("number:" + (y % 100));
                    }
                }
                case 'I', 'l' -> {
                    int h = t.getHour();
                    m.add("sound:digits/" + (h == 0 ? 12 : h > 12 ? h - 12 : h));
                }
                case 'H', 'k' -> {
                    if (c == 'H' && t.getHour() < 10) m.add("sound:digits/oh");
                    m.add("number:" + t.getHour());
                }
                case 'M', 'N' -> minutes(m, t.getMinute(), c == 'M');
                case 'P', 'p' -> m.add(t.getHour() > 11 ? "sound:digits/p-m" : "sound:digits/a-m");
                case 'R' -> m.addAll(format(t, "HM"));
                case ' ' -> { }
                default -> throw new IllegalArgumentException("the SAY DATETIME format code '" + c + "' (in " + format
                        + ") has no ARI equivalent here");
            }
        }
        return m;
    }

    private static void minutes(List<String> m, int min, boolean oclock) {
        if (min == 0) {
            m.add(oclock ? "sound:digits/oclock" : "sound:digits/hundred");
        } else if (min < 10) {
            m.add("sound:digits/oh");
            m.add("sound:digits/" + min);
        } else {
            m.add("number:" + min);
        }
    }

    /** 1st ... 31st with Asterisk's {@code digits/h-N} files ({@code ast_say_enumeration_full_en} for 1-31). */
    static List<String> ordinal(int n) {
        if (n < 20 || n % 10 == 0) return List.of("sound:digits/h-" + n);
        return List.of("sound:digits/" + (n / 10 * 10), "sound:digits/h-" + (n % 10));
    }

    /** Asterisk counts days from Sunday = 0. */
    private static int weekday(DayOfWeek d) { return d.getValue() % 7; }
}
