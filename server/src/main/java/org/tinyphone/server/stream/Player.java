package org.tinyphone.server.stream;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Plays an app's audio to the caller at real time: one 20 ms frame per tick of a {@link Ticker}, however fast the app
 * sends. Audio and marks wait in one queue, in the order the app sent them; a mark is answered once the frames before
 * it have had their 20 ms, {@link #clear()} drops the queue at once and answers the marks in it.
 *
 * <p>The player keeps the caller's timeline: when each frame it sent starts playing. A frame goes out up to
 * {@link #LEAD} frames ahead of its place on it, so live audio (an echo, a bot's speech made as it talks) goes to the
 * caller as soon as it comes, and a message that came late does not hold back every frame after it for the rest of the
 * call; 60 ms ahead stays inside what Asterisk's RTP stack smooths into one timeline (80 ms). A player up to
 * {@link #CATCH_UP} frames behind its timeline (its thread was scheduled late) plays the frames that are due at once,
 * so the audio keeps real time's rate on a busy machine; after a longer pause (nothing queued, or the machine stalled)
 * the timeline starts again from now, so a burst is never longer than that. The queue is bounded ({@code maxFrames},
 * {@code maxMarks}): what comes beyond is dropped and counted. One virtual thread per player; the sink is called on it
 * only.
 */
final class Player implements AutoCloseable {
    /** One frame: 20 ms. */
    static final long FRAME_NANOS = 20_000_000L;
    /** Frames a late player plays at once to keep real time's rate; later than this, its clock starts again. */
    static final int CATCH_UP = 3;
    /** Frames a frame may be sent ahead of its time (60 ms: Asterisk's RTP stack smooths up to 80 ms). */
    static final int LEAD = 3;

    /** Time for the player: real ({@link #SYSTEM}) or driven by a test. */
    interface Ticker {
        long nanoTime();

        /** Returns once {@link #nanoTime()} has reached {@code deadline}. */
        void sleepUntil(long deadline) throws InterruptedException;

        /** Real time: one {@link PlayerClock} for every player of the process. */
        Ticker SYSTEM = new PlayerClock("players' clock");
    }

    /** Where frames go: the caller. */
    interface Sink {
        /** One frame (µ-law: 160 bytes, or fewer for the end of an app's message). */
        void play(byte[] frame) throws IOException;
    }

    /** Told of every mark in order: reached (its audio played) or cleared. */
    interface Marks {
        void answer(String name);
    }

    private final Ticker ticker;
    private final Sink sink;
    private final Marks marks;
    private final int maxFrames;
    private final int maxMarks;
    private final int frameBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Object> queue = new ArrayDeque<>(); // byte[] frames and String marks; guarded by lock
    private int frames; // guarded by lock
    private int markCount; // guarded by lock
    private boolean closed; // guarded by lock
    private volatile long played;
    private volatile long dropped;
    private volatile IOException sinkFailure;
    private final Thread thread;

    /** A player of µ-law frames (160 bytes: 20 ms at 8 kHz). */
    Player(Ticker ticker, Sink sink, Marks marks, int maxFrames, int maxMarks, String name) {
        this(ticker, sink, marks, maxFrames, maxMarks, name, TwilioMessages.CHUNK_BYTES);
    }

    /** A player of frames of {@code frameBytes} (20 ms of the audio it is given). */
    Player(Ticker ticker, Sink sink, Marks marks, int maxFrames, int maxMarks, String name, int frameBytes) {
        this.frameBytes = frameBytes;
        this.ticker = ticker;
        this.sink = sink;
        this.marks = marks;
        this.maxFrames = maxFrames;
        this.maxMarks = maxMarks;
        this.thread = Thread.ofVirtual().name(name).start(this::run);
    }

    /** Queues audio (split into 20 ms frames); returns how many frames were dropped because the queue was full. */
    int media(byte[] audio) {
        int lost = 0;
        lock.lock();
        try {
            if (closed) return 0;
            for (int off = 0; off < audio.length; off += frameBytes) {
                if (frames >= maxFrames) {
                    lost++;
                    continue;
                }
                queue.add(java.util.Arrays.copyOfRange(audio, off, Math.min(audio.length, off + frameBytes)));
                frames++;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (lost > 0) dropped += lost;
        return lost;
    }

    /** Queues a mark; false (not queued, not answered) when {@code maxMarks} are waiting already. */
    boolean mark(String name) {
        lock.lock();
        try {
            if (closed || markCount >= maxMarks) return false;
            queue.add(name);
            markCount++;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Drops every frame waiting; the marks waiting are answered, in order. */
    void clear() {
        List<String> cleared = new ArrayList<>();
        lock.lock();
        try {
            for (Object o : queue) if (o instanceof String name) cleared.add(name);
            queue.clear();
            frames = 0;
            markCount = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (String name : cleared) marks.answer(name);
    }

    /** Frames played so far. */
    long played() {
        return played;
    }

    /** Frames dropped because the queue was full. */
    long dropped() {
        return dropped;
    }

    /** Frames waiting. */
    int queued() {
        lock.lock();
        try {
            return frames;
        } finally {
            lock.unlock();
        }
    }

    /** Why the sink stopped taking frames (the caller's connection failed), or null. */
    IOException sinkFailure() {
        return sinkFailure;
    }

    private void run() {
        long next = 0;
        boolean running = false; // a frame was played; its 20 ms end at next (on the caller's timeline)
        try {
            while (true) {
                Object item;
                lock.lock();
                try {
                    while (queue.isEmpty() && !closed) {
                        changed.await();
                    }
                    if (closed) return;
                    item = queue.poll();
                    if (item instanceof String) markCount--;
                    else frames--;
                } finally {
                    lock.unlock();
                }
                if (item instanceof String name) {
                    if (running) ticker.sleepUntil(next); // the last frame's 20 ms are over
                    marks.answer(name);
                    continue;
                }
                long now = ticker.nanoTime();
                if (!running || now - next > CATCH_UP * FRAME_NANOS) next = now; // after a pause: the clock starts again
                ticker.sleepUntil(next - LEAD * FRAME_NANOS);
                if (sinkFailure == null) {
                    try {
                        sink.play((byte[]) item);
                        played++;
                    } catch (IOException e) {
                        sinkFailure = e; // the caller's connection is gone: frames are dropped from now on, marks answered
                    }
                }
                next += FRAME_NANOS;
                running = true;
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Stops playing; what waits is dropped (its marks are not answered: the stream is over). */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        thread.interrupt();
    }
}
