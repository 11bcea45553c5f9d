package org.tinyphone.bench.soak;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything an outsider on this machine might throw at the client ports, in turn, a few times a second: garbage,
 * over-long lines, bytes that are not UTF-8, deep JSON, wrong types and versions, wrong tokens, a subscription flood,
 * malformed lines of the original dialect, connection churn and resets, connections left half-open (TCP and HTTP),
 * WebSockets from a foreign origin or breaking the framing rules; and talk-back attacks on the live calls it watches
 * ({@code set_variable FILE(...)}, {@code play /etc/passwd}, …) plus a hangup from a client that does not watch the
 * call. Each attempt has the answer it must get; anything else is listed. What the good clients see must not change.
 * This class takes turns and keeps the tallies; the attacks are {@link PortAttacks}' and {@link TalkBack}'s, the
 * connections left half-open {@link HalfOpenConns}'.
 */
final class MaliciousClient implements Runnable {
    /** Attempts of one kind, and how many got the answer they must get. */
    static final class Tally {
        final AtomicLong tried = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong unexpected = new AtomicLong();
        final AtomicLong neutral = new AtomicLong(); // the call ended before the attack reached it
    }

    private final Random random;
    private final Map<String, Tally> tallies = new LinkedHashMap<>(); // kinds fixed at construction
    private final Problems unexpected = new Problems();
    private final HalfOpenConns halfOpen = new HalfOpenConns();
    private final PortAttacks attacks;
    private final TalkBack talkBack;
    private volatile boolean stopped;
    private volatile Thread thread;
    final AtomicLong halfOpened = halfOpen.opened;
    final AtomicLong halfClosedByServer = halfOpen.closedByServer;
    final AtomicLong halfClosedByUs = halfOpen.closedByUs;
    final AtomicLong connections;

    MaliciousClient(int clientsPort, int httpPort, long seed) {
        this.random = new Random(seed);
        for (String a : PortAttacks.KINDS) tallies.put(a, new Tally());
        for (Object[] t : TalkBack.TALKBACK) tallies.put("talk-back: " + t[0], new Tally());
        tallies.put(TalkBack.HANGUP_NOT_WATCHED, new Tally());
        this.attacks = new PortAttacks(clientsPort, httpPort, random, halfOpen);
        this.connections = attacks.connections;
        this.talkBack = new TalkBack(clientsPort, random, tallies, unexpected);
    }

    /** Connects the talk-back attacker (it watches every soak number) and the outsider (it watches another). */
    void start(List<String> numbers) throws IOException, InterruptedException {
        talkBack.start(numbers);
    }

    Map<String, Tally> tallies() {
        return tallies;
    }

    Problems unexpected() {
        return unexpected;
    }

    long tried() {
        return tallies.values().stream().mapToLong(t -> t.tried.get()).sum();
    }

    long refused() {
        return tallies.values().stream().mapToLong(t -> t.refused.get()).sum();
    }

    long unexpectedCount() {
        return tallies.values().stream().mapToLong(t -> t.unexpected.get()).sum();
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        for (long round = 0; !stopped; round++) {
            String kind = PortAttacks.KINDS[(int) (round % PortAttacks.KINDS.length)];
            if (kind.equals("subscription flood") && round % (PortAttacks.KINDS.length * 10L) != PortAttacks.KINDS.length - 1) continue;
            Tally t = tallies.get(kind);
            String wrong;
            try {
                wrong = attacks.attack(kind);
            } catch (IOException e) {
                wrong = "failed: " + e;
            } catch (InterruptedException e) {
                break;
            }
            if (stopped) break; // cut short: not counted
            t.tried.incrementAndGet();
            if (wrong == null) t.refused.incrementAndGet();
            else {
                t.unexpected.incrementAndGet();
                unexpected.add(kind + ": " + wrong);
            }
            halfOpen.tend();
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                break;
            }
        }
    }
    /** Stops, closes everything it holds. */
    void stop() {
        stopped = true;
        Thread t = thread;
        if (t != null) t.interrupt();
        halfOpen.closeAll();
        talkBack.stop();
    }

    /** What became of the half-open connections, by kind: "12003 silent: 12 opened, 12 closed by the server after 30 s". */
    String halfOpenSummary() {
        return halfOpen.summary();
    }

    /** Attacks sent and not yet answered (at the end: never answered). */
    int unanswered() {
        return talkBack.unanswered();
    }
}
