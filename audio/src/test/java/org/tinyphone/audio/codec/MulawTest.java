package org.tinyphone.audio.codec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** G.711 µ-law as ITU-T G.711 tables it: decoding values, the zero codes, clipping, and round trips. */
class MulawTest {

    @Test
    void theLoudestNegativeSegmentDecodesAsG711Lists() {
        int[] expected = {-32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956,
                          -23932, -22908, -21884, -20860, -19836, -18812, -17788, -16764};
        for (int code = 0; code < 16; code++) {
            assertThat(Mulaw.toLinear((byte) code)).as("0x%02x", code).isEqualTo((short) expected[code]);
        }
    }

    @Test
    void theQuietestNegativeSegmentStepsByEight() {
        for (int code = 0x70; code <= 0x7f; code++) {
            assertThat(Mulaw.toLinear((byte) code)).as("0x%02x", code).isEqualTo((short) (-8 * (0x7f - code)));
        }
    }

    @Test
    void positiveCodesMirrorTheNegativeOnes() {
        for (int code = 0; code < 128; code++) {
            assertThat(Mulaw.toLinear((byte) (code | 0x80))).isEqualTo((short) -Mulaw.toLinear((byte) code));
        }
        assertThat(Mulaw.toLinear((byte) 0x80)).isEqualTo((short) 32124);
        assertThat(Mulaw.toLinear((byte) 0xff)).isEqualTo((short) 0);
    }

    @Test
    void silenceIsFfAndTheExtremesClip() {
        assertThat(Mulaw.fromLinear((short) 0)).isEqualTo((byte) 0xff);
        assertThat(Mulaw.fromLinear((short) -1)).isEqualTo((byte) 0x7f);
        assertThat(Mulaw.fromLinear((short) 32767)).isEqualTo((byte) 0x80);
        assertThat(Mulaw.fromLinear((short) -32768)).isEqualTo((byte) 0x00);
        for (int s = 32600; s < 32768; s++) { // beyond the clip level (32635): still the loudest codes
            assertThat(Mulaw.fromLinear((short) s)).as("%d", s).isEqualTo((byte) 0x80);
            assertThat(Mulaw.fromLinear((short) (-s - 1))).as("%d", -s - 1).isEqualTo((byte) 0x00);
        }
        assertThat(Mulaw.fromLinear((short) 1000)).isEqualTo((byte) 0xce); // 1000+132 = 1132: segment 3, step 64
        assertThat(Mulaw.toLinear((byte) 0xce)).isEqualTo((short) 988);
    }

    @Test
    void everyCodeSurvivesARoundTripButTheSecondZero() {
        for (int code = 0; code < 256; code++) {
            byte c = (byte) code;
            byte again = Mulaw.fromLinear(Mulaw.toLinear(c));
            assertThat(again).as("0x%02x", code).isEqualTo(code == 0x7f ? (byte) 0xff : c);
        }
    }

    @Test
    void everySampleComesBackWithinHalfAStepOfItsSegment() {
        for (int s = -32124; s <= 32124; s++) {
            int back = Mulaw.toLinear(Mulaw.fromLinear((short) s));
            // segment of |s|+132 in [2^(k+7), 2^(k+8)) has steps of 2^(k+3): error at most half of that
            int biased = Math.abs(s) + 132;
            int halfStep = Integer.highestOneBit(biased) >> 5;
            assertThat(Math.abs(back - s)).as("%d -> %d", s, back).isLessThanOrEqualTo(Math.max(4, halfStep));
        }
    }

    @Test
    void framesConvertBothWaysLittleEndian() {
        byte[] pcm = {0, 0, (byte) 0xe8, 0x03, (byte) 0xff, (byte) 0xff, 0x7f}; // 0, 1000, -1 and an odd byte
        byte[] ulaw = Mulaw.fromPcm(pcm, 0, pcm.length);
        assertThat(ulaw).containsExactly(0xff, 0xce, 0x7f);
        assertThat(Mulaw.toPcm(ulaw, 1, 2)).containsExactly(0xdc, 0x03, 0, 0); // 988, 0
    }
}
