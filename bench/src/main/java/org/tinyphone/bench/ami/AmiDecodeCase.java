package org.tinyphone.bench.ami;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.asteriskjava.manager.internal.AjEventDecoder;
import org.openjdk.jmh.infra.Blackhole;
import org.tinyphone.bench.harness.DecodeTiming;
import org.tinyphone.bench.harness.DecodeTiming.Score;
import org.tinyphone.bench.harness.Report;

/**
 * ami-decode: the same recorded event stream through both decoders. Full mode runs {@link AmiDecodeBench}
 * under JMH with {@code -prof gc}; quick mode times the same code in this JVM and takes bytes per event from
 * the JVM's total allocated-bytes counter (all threads, so asterisk-java's event pump thread counts too).
 */
public final class AmiDecodeCase {
    private final boolean quick;

    public AmiDecodeCase(boolean quick) {
        this.quick = quick;
    }

    public void run() throws Exception {
        Map<String, Score> s = quick ? quick() : jmh();
        Score tp = s.get("tinyphone"), all = s.get("tinyphoneAllFields"), aj = s.get("asteriskJava");
        for (Map.Entry<String, Score> e : s.entrySet()) {
            Report.put("ami-decode", e.getKey(), "events_per_s", e.getValue().eventsPerSec());
            Report.put("ami-decode", e.getKey(), "bytes_per_event", e.getValue().bytesPerEvent());
        }
        Report.summary(String.format(Locale.ROOT, "ami-decode: tinyphone %s ev/s (%s/event), asterisk-java %s ev/s (%s/event), ratio %s",
                Report.rate(tp.eventsPerSec()), Report.bytes(tp.bytesPerEvent()), Report.rate(aj.eventsPerSec()),
                Report.bytes(aj.bytesPerEvent()), Report.ratio(tp.eventsPerSec(), aj.eventsPerSec())));
        Report.summary(String.format(Locale.ROOT, "    every field read (toMap): tinyphone %s ev/s (%s/event), ratio %s",
                Report.rate(all.eventsPerSec()), Report.bytes(all.bytesPerEvent()), Report.ratio(all.eventsPerSec(), aj.eventsPerSec())));
    }

    private Map<String, Score> quick() {
        AmiStream stream = AmiStream.load();
        byte[] bytes = stream.repeated(AmiDecodeBench.PASSES);
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        TinyphoneEventDecoder tp = new TinyphoneEventDecoder(m -> {
            bh.consume(m.eventName());
            bh.consume(m.get("Uniqueid"));
        });
        TinyphoneEventDecoder tpAll = new TinyphoneEventDecoder(m -> bh.consume(m.toMap()));
        AjEventDecoder aj = new AjEventDecoder(bh::consume);
        Map<String, Score> out = new LinkedHashMap<>();
        out.put("tinyphone", DecodeTiming.time("tinyphone", AmiDecodeBench.OPS, () -> tp.decode(bytes)));
        out.put("tinyphoneAllFields", DecodeTiming.time("tinyphoneAllFields", AmiDecodeBench.OPS, () -> tpAll.decode(bytes)));
        out.put("asteriskJava", DecodeTiming.time("asteriskJava", AmiDecodeBench.OPS, () -> aj.decode(bytes)));
        long ajPerPass = aj.decode(stream.repeated(1));
        Report.info("asterisk-java delivers " + ajPerPass + " events per pass of " + stream.eventsPerPass()
                + " (it adds legacy Bridge events and drops event types it has no class for)");
        return out;
    }

    private Map<String, Score> jmh() throws Exception {
        return DecodeTiming.jmh(AmiDecodeBench.class);
    }
}
