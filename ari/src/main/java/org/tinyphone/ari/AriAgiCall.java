package org.tinyphone.ari;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The call under an AGI session over ARI: its events, the keys kept between commands, prompts and waits for keys. It
 * owns the session's view of the call (gone, hung up by us, kept keys); one thread only (the call's): no locks.
 */
final class AriAgiCall {
    private static final Logger log = LoggerFactory.getLogger(AriAgiChannel.class);   // one log for AGI over ARI
    /** Asterisk's pbx defaults when a prompt gives no timeout: first key 10 s, between keys 5 s (pbx.c rtimeoutms/dtimeoutms). */
    static final int FIRST_KEY_MS = 10_000;
    static final int NEXT_KEY_MS = 5_000;

    final StasisCall call;
    final Ari ari;
    final String id;
    private final Runnable onHangup;
    private final ArrayDeque<Character> pending = new ArrayDeque<>();
    private boolean gone;          // the channel hung up or left Stasis
    private boolean hungUpByUs;    // our own HANGUP: its events are not news

    /** {@code onHangup} is told when the channel is found hung up by someone else. */
    AriAgiCall(StasisCall call, Runnable onHangup) {
        this.call = call;
        this.ari = call.ari();
        this.id = call.id();
        this.onHangup = onHangup;
    }

    /** True once the channel hung up or left Stasis. */
    boolean gone() { return gone; }

    boolean hungUpByUs() { return hungUpByUs; }

    /** The ARI connection is lost or closing: the channel counts as gone, without a hangup notice. */
    void cut() { gone = true; }

    /** Our own hangup of the call (its events are then not news). */
    void hangup() {
        call.hangup();
        hungUpByUs = true;   // only once Asterisk took it: a hangup that failed leaves the call up, and its app may go on
    }

    /** A kept key that is one of {@code escape}, taken; null if the first kept key is none of them. */
    Character takeKeptEscape(String escape) {
        return !pending.isEmpty() && escape.indexOf(pending.peek()) >= 0 ? pending.poll() : null;
    }

    /** Keys still kept (for tests). */
    List<Character> pendingKeys() { return List.copyOf(Arrays.asList(pending.toArray(new Character[0]))); }

    // ------------------------------------------------------------------------------------------ events

    /** Queued events between commands: keys are kept for the next command that reads keys; a hangup is noted. */
    void drain() {
        AriEvent e;
        while ((e = call.pollEvent()) != null) {
            if (observe(e) && e instanceof AriEvent.ChannelDtmfReceived d) key(d).ifPresent(pending::add);
        }
    }

    /** Notes what an event tells about the channel; true if the event is for the command to look at. */
    private boolean observe(AriEvent e) {
        switch (e) {
            case AriEvent.ChannelHangupRequest h -> lost(h.isSoft() && hungUpByUs ? null : "hangup (cause " + h.cause() + ")");
            case AriEvent.StasisEnd s -> lost(call.left() || hungUpByUs ? null : "left Stasis");
            case AriEvent.ChannelDestroyed d -> lost(hungUpByUs ? null : "channel destroyed");
            default -> { }
        }
        return true;
    }

    /** The channel is gone; {@code why} null when that is no news (our own hangup), else the hangup is noticed. */
    void lost(String why) {
        if (!gone) log.debug("AGI over ARI {}: the channel is gone ({})", call, why);
        gone = true;
        if (why != null) onHangup.run();
    }

    static Optional<Character> key(AriEvent.ChannelDtmfReceived d) {
        return d.digit() == null || d.digit().length() != 1 ? Optional.empty() : Optional.of(d.digit().charAt(0));
    }

    /** The next event for the call, waiting until {@code deadline} (System.nanoTime; Long.MAX_VALUE = forever); null at the deadline. */
    AriEvent next(long deadline) throws InterruptedException {
        long left = deadline == Long.MAX_VALUE ? -1 : deadline - System.nanoTime();
        if (left == 0) left = -2;
        AriEvent e = left == -1 ? call.nextEvent() : left < 0 ? call.pollEvent() : call.nextEvent(Duration.ofNanos(left));
        if (e != null) observe(e);
        return e;
    }

    private static long deadline(long ms) { return ms < 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms); }

    /** Samples (8 kHz) in the time since {@code startedNanos}: the endpos of a prompt or recording. */
    static long samples(long startedNanos) { return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos) * 8; }

    // ------------------------------------------------------------------------------------------ prompts and keys

    /** What a prompt came to: the key's code (escape key), 0 (played to the end), -1 (failed or hangup); samples played. */
    record Prompt(int code, long endpos) {}

    /** Forward / rewind / pause keys of CONTROL STREAM FILE. */
    record Controls(String forward, String rewind, String pause) {}

    /**
     * Plays {@code media} as one playback and waits for its end, an escape key (stops it; the key is the result) or the
     * hangup. A key kept from before the prompt that is an escape key ends it at once, as Asterisk's prompt does when
     * the key is already waiting.
     */
    Prompt prompt(List<String> media, String escape, Integer offsetMs, Integer skipMs, Controls controls) throws InterruptedException {
        Character kept = takeKeptEscape(escape);
        if (kept != null) return new Prompt(kept, 0);
        String pb = UUID.randomUUID().toString();
        long started = System.nanoTime();
        ari.channels().play(id, new Play(media, pb, call.channel().language(), offsetMs, skipMs));
        boolean paused = false;
        while (true) {
            AriEvent e = next(Long.MAX_VALUE);
            if (gone) return new Prompt(-1, samples(started));
            switch (e) {
                case AriEvent.PlaybackFinished f when pb.equals(f.playback().id()) -> {
                    return new Prompt("failed".equals(f.playback().state()) ? -1 : 0, "failed".equals(f.playback().state()) ? 0 : samples(started));
                }
                case AriEvent.ChannelDtmfReceived d -> {
                    Character k = key(d).orElse(null);
                    if (k == null) continue;
                    if (controls != null && controls.forward.indexOf(k) >= 0) {
                        control(pb, "forward");
                    } else if (controls != null && controls.rewind.indexOf(k) >= 0) {
                        control(pb, "reverse");
                    } else if (controls != null && controls.pause.indexOf(k) >= 0) {
                        control(pb, paused ? "unpause" : "pause");
                        paused = !paused;
                    } else if (escape.indexOf(k) >= 0) {
                        stop(pb);
                        return new Prompt(k, samples(started));
                    }
                    // any other key is dropped, as during Asterisk's own prompts
                }
                case AriEvent.EventsMissed m -> {
                    if (!playing(pb)) return new Prompt(0, samples(started));   // it ended while we could not hear it
                }
                default -> { }
            }
        }
    }

    /** The SAY commands: a prompt; the result has no endpos. */
    String said(List<String> media, String escape) throws InterruptedException {
        return "200 result=" + prompt(media, escape, null, null, null).code;
    }

    private void stop(String pb) {
        try {
            ari.playbacks().stop(pb);
        } catch (AriHttpException e) {
            log.debug("AGI over ARI {}: stopping playback {}: {}", call, pb, e.getMessage());   // it just ended
        }
    }

    private void control(String pb, String op) {
        try {
            ari.playbacks().control(pb, op);
        } catch (AriHttpException e) {
            log.debug("AGI over ARI {}: {} on playback {}: {}", call, op, pb, e.getMessage());
        }
    }

    private boolean playing(String pb) { return found(() -> ari.playbacks().get(pb)); }

    /** Whether Asterisk still has what {@code get} asks for (a playback, a live recording): false when it answers an error. */
    static boolean found(Runnable get) {
        try {
            get.run();
            return true;
        } catch (AriHttpException e) {
            return false;
        }
    }

    /** The next key (a kept one first), waiting up to {@code ms} (-1: forever): its code, 0 on timeout, -1 on hangup. */
    int waitKey(int ms) throws InterruptedException {
        if (!pending.isEmpty()) return pending.poll();
        long deadline = deadline(ms);
        while (true) {
            AriEvent e = next(deadline);
            if (gone) return -1;
            if (e == null) return 0;
            if (e instanceof AriEvent.ChannelDtmfReceived d && key(d).isPresent()) return key(d).get();
        }
    }

    /** GET DATA as app_getdata does: prompt(s) stopped by any key, then keys until {@code #}, {@code max} keys or a timeout. */
    String readDigits(String files, int timeout, int max) throws InterruptedException {
        int first = timeout > 0 ? timeout : FIRST_KEY_MS;
        int between = timeout > 0 ? timeout : NEXT_KEY_MS;
        StringBuilder got = new StringBuilder();
        List<String> media = new ArrayList<>();
        for (String f : files.split("&")) if (!f.isEmpty()) media.add("sound:" + f);
        if (!media.isEmpty()) {
            Prompt p = prompt(media, "0123456789*#ABCD", null, null, null);
            if (p.code < 0) return "200 result=-1";
            if (p.code > 0) {
                if (p.code == '#') return "200 result=" + got;
                got.append((char) p.code);
            }
        }
        while (got.length() < max) {
            int k = waitKey(got.length() == 0 ? first : between);
            if (k < 0) return "200 result=-1";
            if (k == 0) return "200 result=" + got + " (timeout)";
            if (k == '#') return "200 result=" + got;
            got.append((char) k);
        }
        return "200 result=" + got;
    }

    /** Waits {@code ms} (-1: until the hangup), keeping keys; false if the channel went away. */
    boolean sleep(long ms) throws InterruptedException {
        long deadline = deadline(ms);
        while (true) {
            AriEvent e = next(deadline);
            if (gone) return false;
            if (e == null) return true;
            if (e instanceof AriEvent.ChannelDtmfReceived d) key(d).ifPresent(pending::add);
        }
    }
}
