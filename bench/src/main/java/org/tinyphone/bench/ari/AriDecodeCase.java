package org.tinyphone.bench.ari;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.infra.Blackhole;
import org.tinyphone.bench.harness.DecodeTiming;
import org.tinyphone.bench.harness.DecodeTiming.Score;
import org.tinyphone.bench.harness.Report;

/**
 * ari-decode: the same ARI event messages (captures 09a-09d) through both libraries' decoders. Full mode runs
 * {@link AriDecodeBench} under JMH with {@code -prof gc}; quick mode times the same code in this JVM.
 */
public final class AriDecodeCase {
    private final boolean quick;

    public AriDecodeCase(boolean quick) {
        this.quick = quick;
    }

    public void run() throws Exception {
        AriStream stream = AriStream.load();
        Map<String, Score> s = quick ? quick(stream.common()) : DecodeTiming.jmh(AriDecodeBench.class);
        Score tp = s.get("tinyphone"), a4j = s.get("ari4java");
        for (Map.Entry<String, Score> e : s.entrySet()) {
            Report.put("ari-decode", e.getKey(), "events_per_s", e.getValue().eventsPerSec());
            Report.put("ari-decode", e.getKey(), "bytes_per_event", e.getValue().bytesPerEvent());
        }
        Report.put("ari-decode", "input", "message_bytes", stream.meanBytes());
        Report.info(leftOut(stream));
        Report.summary(String.format(Locale.ROOT, "ari-decode: %d event messages of 09a-09d (mean %s of JSON each): tinyphone %s ev/s"
                        + " (%s allocated/event), ari4java %s ev/s (%s/event), ratio %s", stream.common().size(),
                Report.bytes(stream.meanBytes()), Report.rate(tp.eventsPerSec()), Report.bytes(tp.bytesPerEvent()),
                Report.rate(a4j.eventsPerSec()), Report.bytes(a4j.bytesPerEvent()), Report.ratio(tp.eventsPerSec(), a4j.eventsPerSec())));
    }

    /** What ari4java cannot decode of the captures, said once per run. */
    static String leftOut(AriStream stream) {
        long n = stream.events().size() - stream.common().size();
        return n + " of " + stream.events().size() + " messages left out: " + AriStream.UNKNOWN_TO_ARI4JAVA
                + ", which ari4java 0.18.0 has no model for (its decoder throws; Tinyphone reads it)";
    }

    private static Map<String, Score> quick(List<String> events) {
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        Map<String, Score> out = new LinkedHashMap<>();
        out.put("tinyphone", DecodeTiming.time("tinyphone", events.size(), () -> {
            try {
                for (String e : events) bh.consume(AriDecodeBench.tinyphone(e));
            } catch (Exception x) {
                throw new IllegalStateException(x);
            }
        }));
        out.put("ari4java", DecodeTiming.time("ari4java", events.size(), () -> {
            try {
                for (String e : events) bh.consume(AriDecodeBench.ari4java(e));
            } catch (Exception x) {
                throw new IllegalStateException(x);
            }
        }));
        return out;
    }
}
