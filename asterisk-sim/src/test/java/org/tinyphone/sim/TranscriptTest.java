package org.tinyphone.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TranscriptTest {

    @Test
    void fastagiEnvironmentCaptureParsesIntoAsteriskAndClientLines() {
        Transcript t = Transcript.load("01-fastagi-environment.txt");
        List<String> fromAsterisk = t.lines(Transcript.Dir.ASTERISK);
        assertThat(fromAsterisk.get(0)).isEqualTo("agi_network: yes");
        assertThat(fromAsterisk).contains("agi_accountcode: ", "agi_arg_1: arg one", "", "200 result=0");
        assertThat(t.lines(Transcript.Dir.CLIENT)).containsExactly("NOOP");
        assertThat(t.header().get(0)).startsWith("Scenario 1");
        assertThat(t.log()).anyMatch(l -> l.contains("AGISTATUS=SUCCESS"));
    }

    @Test
    void turnsGroupConsecutiveLinesOfOneSide() {
        Transcript t = Transcript.parse("x", """
                # header
                   0.001 << a
                   0.001 << b
                   0.002 >> c
                   0.003 -- closed
                """);
        assertThat(t.turns()).hasSize(3);
        assertThat(t.turns().get(0)).extracting(Transcript.Entry::text).containsExactly("a", "b");
    }

    @Test
    void eagiCaptureKeepsTheFd3AudioReadsInOrderWithTheAgiLines() {
        Transcript t = Transcript.load("04b-eagi.txt");
        List<Transcript.Entry> reads = t.entries(e -> e.dir() == Transcript.Dir.FD3_AUDIO);
        assertThat(reads).isNotEmpty();
        assertThat(reads.get(0).text()).startsWith("read 2240 bytes");
        assertThat(t.lines(Transcript.Dir.ASTERISK)).contains("agi_enhanced: 1.0");
    }

    @Test
    void garbageLineIsRejectedWithItsLineNumber() {
        assertThatThrownBy(() -> Transcript.parse("bad", "# h\nnonsense\n"))
                .hasMessageContaining("bad:2");
    }

    @Test
    void binaryCapturesAreShippedToo() throws Exception {
        try (var in = Transcript.resource("04c-eagi-audio-8k-s16le.raw")) {
            assertThat(in.readAllBytes()).hasSize(80000);
        }
    }
}
