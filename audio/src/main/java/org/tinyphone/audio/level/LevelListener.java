package org.tinyphone.audio.level;

/** Receives one level per completed window of a {@link LevelMeter}. */
@FunctionalInterface
public interface LevelListener {

    /**
     * One window's level.
     *
     * @param peak the largest absolute sample value, 0..32768 (a sample of -32768 counts as 32768)
     * @param rms  the root mean square of the window's samples, rounded down, 0..32768
     */
    void level(int peak, int rms);
}
