package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CarrierShareTest {

    @Test
    void stepsAsideOnlyAfterASliceOfRunningWithoutBlocking() throws Exception {
        AtomicReference<long[]> parks = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            CarrierShare share = new CarrierShare();
            share.between();
            long fresh = share.parks();
            spin(CarrierShare.SLICE_NANOS + 1_000_000);
            share.between();
            long afterSlice = share.parks();
            share.between();
            long rightAfter = share.parks();
            spin(CarrierShare.SLICE_NANOS + 1_000_000);
            share.blocked();
            share.between();
            long afterBlocking = share.parks();
            long start = System.nanoTime();
            spin(CarrierShare.SLICE_NANOS + 1_000_000);
            share.returnedFrom(start);   // "a blocking call" that took over a slice: it waited, the carrier was free
            share.between();
            long afterLongCall = share.parks();
            spin(CarrierShare.SLICE_NANOS + 1_000_000);
            share.returnedFrom(System.nanoTime()); // returned at once: it did not wait, the thread kept running
            share.between();
            parks.set(new long[] {fresh, afterSlice, rightAfter, afterBlocking, afterLongCall, share.parks()});
        });
        t.join();
        assertThat(parks.get()).containsExactly(0, 1, 1, 1, 1, 2);
    }

    @Test
    void aPlatformThreadIsLeftToTheOperatingSystem() {
        CarrierShare share = new CarrierShare();
        spin(CarrierShare.SLICE_NANOS + 1_000_000);
        share.between();
        assertThat(share.parks()).isZero();
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }
}
