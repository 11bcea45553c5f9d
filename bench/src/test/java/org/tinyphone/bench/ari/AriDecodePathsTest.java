package org.tinyphone.bench.ari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.loway.oss.ari4java.generated.models.ChannelDtmfReceived;
import ch.loway.oss.ari4java.generated.models.ChannelHangupRequest;
import ch.loway.oss.ari4java.generated.models.Event;
import ch.loway.oss.ari4java.generated.models.Message;
import ch.loway.oss.ari4java.generated.models.PlaybackFinished;
import ch.loway.oss.ari4java.generated.models.StasisStart;
import ch.loway.oss.ari4java.tools.RestException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinyphone.ari.AriEvent;

/** Both decoding paths of ari-decode read the same events of captures 09a-09d into the same fields. */
class AriDecodePathsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AriStream stream = AriStream.load();

    @Test
    void theCapturesGiveEveryKindOfEventACallSeesAsOneJsonObjectPerMessage() throws Exception {
        Map<String, Integer> types = new HashMap<>();
        for (String e : stream.events()) {
            JsonNode n = JSON.readTree(e);
            assertThat(n.isObject()).as(e).isTrue();
            assertThat(n.path("application").asText()).as(e).isNotEmpty();
            types.merge(n.path("type").asText(), 1, Integer::sum);
        }
        assertThat(types).containsKeys("StasisStart", "StasisEnd", "ChannelDtmfReceived", "ChannelHangupRequest",
                "ChannelStateChange", "ChannelVarset", "PlaybackStarted", "PlaybackFinished", "ApplicationRegistered");
        assertThat(types).doesNotContainKey("RESTResponse");
        assertThat(stream.events()).hasSizeGreaterThan(40);
        assertThat(stream.common()).hasSize(stream.events().size() - types.get("ApplicationRegistered"));
        assertThat(stream.meanBytes()).isBetween(200.0, 4000.0);
    }

    @Test
    void bothLibrariesDecodeEveryEventToTheSameTypeApplicationTimeAndChannel() throws Exception {
        int typed = 0;
        for (String text : stream.common()) {
            AriEvent tp = AriDecodeBench.tinyphone(text);
            Message a = AriDecodeBench.ari4java(text);
            assertThat(a.getType()).as(text).isEqualTo(tp.type());
            assertThat(a.getAsterisk_id()).as(text).isEqualTo(JSON.readTree(text).path("asterisk_id").asText(null));
            if (!(a instanceof Event ae)) continue;
            assertThat(ae.getApplication()).as(text).isEqualTo(tp.application());
            if (tp instanceof AriEvent.Other) continue;
            typed++;
            assertThat(ae.getTimestamp().toInstant()).as(text).isEqualTo(tp.timestamp());
            switch (tp) {
                case AriEvent.StasisStart s -> {
                    StasisStart as = (StasisStart) a;
                    assertThat(as.getChannel().getId()).isEqualTo(s.channel().id());
                    assertThat(as.getArgs()).isEqualTo(s.args());
                    assertThat(as.getChannel().getCaller().getNumber()).isEqualTo(s.channel().caller().number());
                    assertThat(as.getChannel().getDialplan().getApp_data()).isEqualTo(s.channel().dialplan().appData());
                }
                case AriEvent.ChannelDtmfReceived d -> {
                    ChannelDtmfReceived ad = (ChannelDtmfReceived) a;
                    assertThat(ad.getDigit()).isEqualTo(d.digit());
                    assertThat(ad.getDuration_ms()).isEqualTo(d.durationMs());
                    assertThat(ad.getChannel().getId()).isEqualTo(d.channelId());
                }
                case AriEvent.ChannelHangupRequest h -> {
                    ChannelHangupRequest ah = (ChannelHangupRequest) a;
                    assertThat(ah.getCause()).isEqualTo(h.cause());
                    assertThat(ah.getSoft()).isEqualTo(h.soft());
                    assertThat(ah.getChannel().getId()).isEqualTo(h.channelId());
                }
                case AriEvent.PlaybackFinished p -> {
                    PlaybackFinished ap = (PlaybackFinished) a;
                    assertThat(ap.getPlayback().getId()).isEqualTo(p.playback().id());
                    assertThat(ap.getPlayback().getState()).isEqualTo(p.playback().state());
                    assertThat(ap.getPlayback().getTarget_uri()).isEqualTo(p.playback().targetUri());
                }
                default -> { }
            }
        }
        assertThat(typed).isGreaterThan(40);
    }

    @Test
    void ari4javaCannotReadTheApplicationRegisteredOfAnOutboundConnectionWhichTinyphoneCan() throws Exception {
        String registered = stream.events().stream().filter(e -> e.contains("\"type\":\"ApplicationRegistered\"")).findFirst()
                .orElseThrow();
        assertThat(AriDecodeBench.tinyphone(registered).type()).isEqualTo("ApplicationRegistered");
        assertThatThrownBy(() -> AriDecodeBench.ari4java(registered)).isInstanceOf(RestException.class)
                .hasMessageContaining("ApplicationRegistered");
    }

    @Test
    void aDecodeOfTheBenchmarkIsTheDecodeOfTheReader() throws Exception {
        // the DTMF key the caller pressed in 09a reaches both as the same typed event
        String dtmf = stream.events().stream().filter(e -> e.contains("\"type\":\"ChannelDtmfReceived\"")).findFirst().orElseThrow();
        assertThat(AriDecodeBench.tinyphone(dtmf)).isInstanceOf(AriEvent.ChannelDtmfReceived.class);
        assertThat(AriDecodeBench.ari4java(dtmf)).isInstanceOf(ChannelDtmfReceived.class);
    }
}
