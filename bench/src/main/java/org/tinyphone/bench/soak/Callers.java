package org.tinyphone.bench.soak;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinyphone.bench.soak.CallMix.CallPlan;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * Places the mix's calls into the server as Asterisk would (the server's own simulated peers, one virtual thread per
 * call), arriving at random (Poisson) at a steady mean rate, and tells the {@link Ledger} how each ended. At most
 * {@code maxCalls} are up at once; an arrival beyond that is skipped and counted (the server is then too slow).
 */
final class Callers {
    private final CallMix mix;
    private final Ledger ledger;
    private final int fastagiPort;
    private final int relayPort;
    private final int audiosocketPort;
    private final double callsPerSecond;
    private final Semaphore slots;
    private final Random random;
    final AtomicLong placed = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong longCalls = new AtomicLong();
    final AtomicLong endedByServer = new AtomicLong();
    final AtomicLong keys = new AtomicLong();
    final AtomicLong audioFrames = new AtomicLong();
    final Map<Via, AtomicLong> byVia = new ConcurrentHashMap<>();
    private final int maxCalls;

    Callers(CallMix mix, Ledger ledger, int fastagiPort, int relayPort, int audiosocketPort, double callsPerSecond,
            int maxCalls, long seed) {
        this.mix = mix;
        this.ledger = ledger;
        this.fastagiPort = fastagiPort;
        this.relayPort = relayPort;
        this.audiosocketPort = audiosocketPort;
        this.callsPerSecond = callsPerSecond;
        this.maxCalls = maxCalls;
        this.slots = new Semaphore(maxCalls);
        this.random = new Random(seed);
    }

    /** Calls in progress now. */
    int inProgress() {
        return maxCalls - slots.availablePermits();
    }

    /** Places calls until {@code untilNanos} (System.nanoTime). */
    void run(long untilNanos) throws InterruptedException {
        long next = System.nanoTime();
        while (true) {
            next += (long) (-Math.log(1 - random.nextDouble()) / callsPerSecond * 1e9);
            long wait = next - System.nanoTime();
            if (next - untilNanos >= 0) return;
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            CallPlan plan = mix.next();
            if (!slots.tryAcquire()) {
                skipped.incrementAndGet();
                continue;
            }
            placed.incrementAndGet();
            byVia.computeIfAbsent(plan.via(), v -> new AtomicLong()).incrementAndGet();
            if (plan.longCall()) longCalls.incrementAndGet();
            Thread.ofVirtual().name("soak-call-" + plan.seq()).start(() -> {
                try {
                    CallResult r = place(plan);
                    completed.incrementAndGet();
                    keys.addAndGet(r.keys().length());
                    audioFrames.addAndGet(r.audioFrames());
                    if (r.endedBy() == CallResult.EndedBy.SERVER) endedByServer.incrementAndGet();
                    ledger.ended(plan, r);
                } catch (Exception e) {
                    failed.incrementAndGet();
                    ledger.failed(plan, e);
                } finally {
                    slots.release();
                }
            });
        }
    }

    /** Waits until every call placed has ended, at most {@code maxNanos}; true if they all did. */
    boolean awaitAll(long maxNanos) throws InterruptedException {
        if (!slots.tryAcquire(maxCalls, maxNanos, TimeUnit.NANOSECONDS)) return false;
        slots.release(maxCalls);
        return true;
    }

    private CallResult place(CallPlan plan) throws Exception {
        return switch (plan.via()) {
            case FASTAGI -> Simulator.place(plan.call(), Via.FASTAGI, "127.0.0.1", fastagiPort);
            case RELAY -> Simulator.place(plan.call(), Via.RELAY, "127.0.0.1", relayPort);
            case LEGACY -> Simulator.place(plan.call(), Via.LEGACY, "127.0.0.1", relayPort);
            // as the documented dialplan does it: FastAGI hands the call to AudioSocket(${TINYPHONE_UUID},…)
            case AUDIOSOCKET -> Simulator.placeAudioSocketHandOff(plan.call(), "127.0.0.1", fastagiPort, audiosocketPort);
            case ARI -> throw new IllegalArgumentException("ARI calls are not in the soak's mix yet (SoakCase.VIAS)");
        };
    }
}
