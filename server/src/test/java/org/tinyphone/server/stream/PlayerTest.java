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

/** The app's audio at real time, counted per 20 ms tick of a clock the test moves: never faster, marks in order, clear. */
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
    void aSecondSentAtOnceIsPlayedOneFramePerTick() {
        player.media(frames(50, 0));
        settlesAt(1); // the first frame at once, the next waits for its tick
        for (int tick = 1; tick <= 10; tick++) {
            ticker.advance(20);
            settlesAt(1 + tick);
        }
        for (int i = 0; i < played.size(); i++) {
            assertThat(played.get(i)).hasSize(160).containsOnly((byte) i);
        }
        assertThat(player.queued()).isEqualTo(38); // and the 12th waits for its tick
    }

    @Test
    void aPlayerAFewFramesLateCatchesUpSoTheAudioKeepsRealTimesRate() {
        player.media(frames(50, 0));
        settlesAt(1);
        ticker.advance(80); // woken 60 ms late: the four frames due by now go at once
        settlesAt(5);
        ticker.advance(20);
        settlesAt(6);
        assertThat(played.get(5)).containsOnly((byte) 5);
    }

    @Test
    void aPlayerPausedLongerDoesNotBurstToCatchUp() {
        player.media(frames(50, 0));
        settlesAt(1);
        ticker.advance(200); // ten ticks' worth at once: the due frame, then the clock starts again from now
        settlesAt(3);
        ticker.advance(20);
        settlesAt(4);
    }

    @Test
    void aMarkIsAnsweredWhenTheAudioBeforeItHasHadItsTime() {
        player.media(frames(3, 0));
        player.mark("a");
        player.media(frames(2, 3));
        player.mark("b");
        settlesAt(1);
        ticker.advance(40);
        settlesAt(3);
        assertThat(marks).isEmpty(); // the third frame is still playing
        ticker.advance(20);
        settlesAt(4);
        assertThat(marks).containsExactly("a");
        ticker.advance(20);
        settlesAt(5);
        ticker.advance(20);
        await().atMost(WAIT).until(() -> marks.size() == 2);
        assertThat(marks).containsExactly("a", "b");
        assertThat(played).hasSize(5);
    }

    @Test
    void clearDropsTheQueueAtOnceAndAnswersItsMarks() {
        player.media(frames(50, 0));
        player.mark("end");
        settlesAt(1);
        player.clear();
        assertThat(marks).containsExactly("end");
        assertThat(player.queued()).isZero();
        ticker.advance(200);
        await().atMost(WAIT).until(() -> !ticker.parked() || played.size() > 1);
        assertThat(played.size()).isLessThanOrEqualTo(2); // at most the frame already taken for its tick
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
        settlesAt(1);
        ticker.advance(20);
        await().atMost(WAIT).until(() -> played.size() == 2);
        assertThat(played.get(0)).hasSize(160);
        assertThat(played.get(1)).hasSize(40);
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
