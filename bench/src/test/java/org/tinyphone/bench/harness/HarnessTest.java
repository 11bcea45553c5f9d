package org.tinyphone.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinyphone.bench.agi.FastAgiCase;

class HarnessTest {
    @Test
    void procReadsThisProcessCpuAndRss() {
        long pid = ProcessHandle.current().pid();
        assertThat(Sys.cpuNanos(pid)).isPositive();
        assertThat(Sys.rssBytes(pid)).isGreaterThan(10L * 1024 * 1024);
        assertThat(Sys.threads(pid)).isPositive();
        assertThat(Sys.cpuNanos(Long.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void resultLinesParseToNumbers() {
        Map<String, Long> r = FastAgiCase.parse("RESULT conc=100 calls=2234 refused=0 stepP99us=23039 name=x");
        assertThat(r).containsEntry("conc", 100L).containsEntry("calls", 2234L).containsEntry("stepP99us", 23039L)
                .doesNotContainKey("name");
    }

    @Test
    void numbersAreWrittenForPeople() {
        assertThat(Report.rate(2_030_000)).isEqualTo("2.03M");
        assertThat(Report.rate(554_000)).isEqualTo("554k");
        assertThat(Report.rate(9_800)).isEqualTo("9,800");
        assertThat(Report.ratio(10, 4)).isEqualTo("2.5");
        assertThat(Report.ratio(1, 0)).isEqualTo("n/a");
        assertThat(Report.micros(283)).isEqualTo("283 µs");
        assertThat(Report.micros(182_000)).isEqualTo("182 ms");
        assertThat(Report.bytes(768)).isEqualTo("768 B");
    }

    @Test
    void plotDrawsAPngFromAResultsFile(@TempDir Path dir) throws Exception {
        Path tsv = dir.resolve("r.tsv"), png = dir.resolve("p.png");
        StringBuilder sb = new StringBuilder("# case\timpl\tmetric\tvalue\n");
        for (int c : new int[] {1, 100, 1000, 10000}) {
            sb.append("fastagi-").append(c).append("\ttinyphone\tcalls_per_s\t").append(1000 + c / 10).append('\n');
            sb.append("fastagi-").append(c).append("\ttinyphone\tstep_p99_us\t").append(300 * c).append('\n');
            sb.append("fastagi-").append(c).append("\tasterisk-java\tcalls_per_s\t").append(900).append('\n');
            sb.append("fastagi-").append(c).append("\tasterisk-java\tstep_p99_us\t").append(400 * c).append('\n');
        }
        Files.writeString(tsv, sb);
        Plot.main(new String[] {tsv.toString(), png.toString()});
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(1400);
        assertThat(img.getHeight()).isEqualTo(660);
    }
}
