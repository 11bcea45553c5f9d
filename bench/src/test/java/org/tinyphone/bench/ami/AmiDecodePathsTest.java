package org.tinyphone.bench.ami;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.asteriskjava.manager.event.DtmfEndEvent;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.event.NewChannelEvent;
import org.asteriskjava.manager.internal.AjEventDecoder;
import org.junit.jupiter.api.Test;
import org.tinyphone.ami.codec.AmiMessage;

/** Both decoding paths of ami-decode see the same recorded call (capture 05f). */
class AmiDecodePathsTest {
    private final AmiStream stream = AmiStream.load();

    @Test
    void theRecordedCallHas96EventMessagesFramedWithCrlf() {
        assertThat(stream.eventsPerPass()).isEqualTo(96).isEqualTo(AmiDecodeBench.OPS / AmiDecodeBench.PASSES);
        for (byte[] e : stream.events()) {
            String s = new String(e, StandardCharsets.UTF_8);
            assertThat(s).startsWith("Event: ").endsWith("\r\n\r\n");
            assertThat(s.replace("\r\n", "")).doesNotContain("\n");
        }
        assertThat(stream.repeated(3)).hasSize(3 * stream.events().stream().mapToInt(b -> b.length).sum());
    }

    @Test
    void tinyphoneDeliversEveryEventInOrder() {
        List<String> names = new ArrayList<>();
        TinyphoneEventDecoder d = new TinyphoneEventDecoder(m -> names.add(m.eventName()));
        assertThat(d.decode(stream.repeated(2))).isEqualTo(192);
        assertThat(names.get(0)).isEqualTo("FullyBooted");
        assertThat(names).filteredOn("DTMFEnd"::equals).hasSize(18);
        AmiMessage last = AmiMessage.of(new String(stream.events().get(95), StandardCharsets.UTF_8).split("\r\n"));
        assertThat(names.get(191)).isEqualTo(last.eventName());
    }

    @Test
    void asteriskJavaBuildsTypedEventsFromTheSameBytes() {
        List<ManagerEvent> events = new ArrayList<>();
        AjEventDecoder d = new AjEventDecoder(events::add);
        long n = d.decode(stream.repeated(1));
        // asterisk-java adds legacy Bridge events of its own to the 96 it decodes
        assertThat(n).isEqualTo(events.size()).isBetween(96L, 100L);
        assertThat(events).filteredOn(e -> e instanceof NewChannelEvent).hasSize(4);
        assertThat(events).filteredOn(e -> e instanceof DtmfEndEvent).hasSize(9);
        // a second connection on the same reader works the same (the benchmark reuses it)
        assertThat(d.decode(stream.repeated(1))).isEqualTo(n);
    }
}
