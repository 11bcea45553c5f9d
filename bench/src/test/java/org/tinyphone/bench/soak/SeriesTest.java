package org.tinyphone.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SeriesTest {
    @Test
    void theSlopeOfALineIsItsRisePerHour() {
        Series s = new Series();
        for (int t = 0; t <= 3600; t += 5) s.add(t, 1000 + 2.0 * t + (t % 10 == 0 ? 3 : -3)); // 2 per second, some noise
        assertThat(s.slopePerHour(1800, 3600)).isCloseTo(7200, within(5.0));
        assertThat(s.first(0, 3600)).isEqualTo(1003);
        assertThat(s.max(0, 3600)).isEqualTo(1000 + 7200 + 3);
    }

    @Test
    void aFlatSeriesHasNoSlopeAndTooFewPointsHaveNone() {
        Series s = new Series();
        for (int t = 0; t < 600; t += 5) s.add(t, t % 2 == 0 ? 50 : 52);
        assertThat(s.slopePerHour(300, 600)).isCloseTo(0, within(5.0)); // against 2 × 3600 / 300 = 24 for a 50 → 52 drift
        assertThat(s.slopePerHour(0, 6)).isNaN();
        s.add(700, -1); // unreadable samples are left out
        assertThat(s.last(0, 1000)).isIn(50.0, 52.0);
    }
}
