package org.tinyphone.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The app's audio at real time, counted per 20 ms tick of a clock the test moves: never more than {@link Player#LEAD}
 * frames ahead of the caller's timeline, marks in order, clear.
 */
class PlayerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final ManualTicker ticker = new ManualTicker();
    private final List<byte[]> played = new CopyOnWriteArrayList<>();
    private final List<String> marks = new CopyOnWriteArrayList<>();
    private final AtomicBoolean sinkBroken = new AtomicBoolean();
    private final Player player = new Player(ticker, frame -> {
        if (sinkBroken.get()) throw new IOException("caller gone");
        played.add(frame);
    }, marks::add, 100, 10, "test-player");

    @AfterEach
    void close() {
        player.close();
    }

    /** Waits until the player sleeps for its next tick, then checks what it played (so nothing more can come). */
    private void settlesAt(int frames) {
        await().atMost(WAIT).until(() -> played.size() >= frames && ticker.parked());
        assertThat(played).hasSize(frames);
    }

    private static byte[] frames(int n, int firstValue) {
        byte[] b = new byte[n * 160];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (firstValue + i / 160);
        return b;
    }

    @Test
    void aSecondSentAtOnceIsPlayedOneFramePerTickAfterTheLead() {
        player.media(frames(50, 0));
        settlesAt(4); // the first frame, and three ahead of their time (60 ms), at once; the next waits for its tick
        for (int tick = 1; tick <= 10; tick++) {
            ticker.advance(20);
            settlesAt(4 + tick);
        }
        for (int i = 0; i < played.size(); i++) {
            assertThat(played.get(i)).hasSize(160).containsOnly((byte) i);
        }
        assertThat(player.queued()).isEqualTo(35); // and the 15th, taken, waits for its tick
    }

    @Test
    void liveAudioAfterALateMessageGoesOutAsItComes() {
        // an app sending as it makes audio, one frame per 20 ms; its first came 40 ms late, the next two right behind it
        player.media(frames(1, 0));
        player.media(frames(1, 1));
        player.media(frames(1, 2));
        playedAll(3); // the two behind it are not held back to its timeline: they go at once, ahead of their time
        for (int k = 3; k < 8; k++) {
            ticker.advance(20);
            player.media(frames(1, k)); // and every frame after them goes as it comes
            playedAll(k + 1);
        }
        assertThat(played.get(7)).containsOnly((byte) 7);
    }

    /** Waits until the player has played {@code frames} and nothing is queued, then checks that was all. */
    private void playedAll(int frames) {
        await().atMost(WAIT).until(() -> played.size() >= frames && player.queued() == 0);
        assertThat(played).hasSize(frames);
    }

    @Test
    void aPlayerAFewFramesLateCatchesUpSoTheAudioKeepsRealTimesRate() {
        player.media(frames(50, 0));
        settlesAt(4); // frames 0-3; frame 3 starts playing at +60 ms
        ticker.advance(140); // woken late: on the timeline frames 4-7 are due by +140 ms, 8-10 are the lead
        settlesAt(11);
        ticker.advance(20);
        settlesAt(12);
        assertThat(played.get(11)).containsOnly((byte) 11);
    }

    @Test
    void aPlayerPausedLongerDoesNotBurstToCatchUp() {
        player.media(frames(50, 0));
        settlesAt(4);
        ticker.advance(300); // fifteen ticks' worth at once: frame 4 goes as the player wakes; frame 5 is more than three
        settlesAt(9);        // frames behind the timeline, which starts again from now with frame 5 and its lead (6-8)
        ticker.advance(20);
        settlesAt(10);
    }

    @Test
    void aMarkIsAnsweredWhenTheAudioBeforeItHasHadItsTime() {
        player.media(frames(3, 0));
        player.mark("a");
        player.media(frames(2, 3));
        player.mark("b");
        settlesAt(3); // all three go at once (the lead); they play until +60 ms
        ticker.advance(40);
        settlesAt(3);
        assertThat(marks).isEmpty(); // the third frame is still playing
        ticker.advance(20);
        settlesAt(5); // the three have played: "a"; the next two go at once
        assertThat(marks).containsExactly("a");
        ticker.advance(20);
        settlesAt(5);
        assertThat(marks).containsExactly("a");
        ticker.advance(20);
        await().atMost(WAIT).until(() -> marks.size() == 2);
        assertThat(marks).containsExactly("a", "b");
        assertThat(played).hasSize(5);
    }

    @Test
    void clearDropsTheQueueAtOnceAndAnswersItsMarks() {
        player.media(frames(50, 0));
        player.mark("end");
        settlesAt(4);
        player.clear();
        assertThat(marks).containsExactly("end");
        assertThat(player.queued()).isZero();
        ticker.advance(200);
        await().atMost(WAIT).until(() -> !ticker.parked() || played.size() > 1);
        assertThat(played.size()).isLessThanOrEqualTo(5); // at most the frame already taken for its tick
        player.media(frames(1, 7)); // and it plays again afterwards
        await().atMost(WAIT).until(() -> played.get(played.size() - 1)[0] == 7);
    }

    @Test
    void theQueueIsBoundedAndWhatDoesNotFitIsCounted() {
        assertThat(player.media(frames(130, 0))).isEqualTo(30);
        assertThat(player.dropped()).isEqualTo(30);
        for (int i = 0; i < 10; i++) assertThat(player.mark("m" + i)).isTrue();
        assertThat(player.mark("one too many")).isFalse();
    }

    @Test
    void aPartialFrameAtTheEndOfAMessageTakesItsOwnTick() {
        player.media(new byte[200]);
        player.media(frames(3, 1));
        settlesAt(4); // 160 + 40 bytes, then two frames of the next message, up to the lead; the third waits
        assertThat(played.get(0)).hasSize(160);
        assertThat(played.get(1)).hasSize(40);
        assertThat(played.get(3)).hasSize(160).containsOnly((byte) 2);
    }

    @Test
    void aCallerThatIsGoneStopsThePlayingButMarksAreStillAnswered() {
        sinkBroken.set(true);
        player.media(frames(2, 0));
        player.mark("after");
        // each tick once the player waits for it (two advances in a row could both pass before it starts its clock)
        await().atMost(WAIT).until(() -> {
            if (ticker.parked()) ticker.advance(20);
            return marks.contains("after");
        });
        assertThat(played).isEmpty();
        assertThat(player.sinkFailure()).hasMessage("caller gone");
    }
}
