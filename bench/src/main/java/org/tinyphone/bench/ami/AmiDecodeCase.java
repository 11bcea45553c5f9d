package org.tinyphone.bench.ami;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.asteriskjava.manager.internal.AjEventDecoder;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
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

    /** events/s and bytes allocated per event. */
    public record Score(double eventsPerSec, double bytesPerEvent) {}

    public void run() throws Exception {
        Map<String, Score> s = quick ? quick() : jmh();
        Score tp = s.get("tinyphone"), all = s.get("tinyphoneAllFields"), aj = s.get("asteriskJava");
        for (Map.Entry<String, Score> e : s.entrySet()) {
            Report.put("ami-decode", e.getKey(), "events_per_s", e.getValue().eventsPerSec);
            Report.put("ami-decode", e.getKey(), "bytes_per_event", e.getValue().bytesPerEvent);
        }
        Report.summary(String.format(Locale.ROOT, "ami-decode: tinyphone %s ev/s (%s/event), asterisk-java %s ev/s (%s/event), ratio %s",
                Report.rate(tp.eventsPerSec), Report.bytes(tp.bytesPerEvent), Report.rate(aj.eventsPerSec),
                Report.bytes(aj.bytesPerEvent), Report.ratio(tp.eventsPerSec, aj.eventsPerSec)));
        Report.summary(String.format(Locale.ROOT, "    every field read (toMap): tinyphone %s ev/s (%s/event), ratio %s",
                Report.rate(all.eventsPerSec), Report.bytes(all.bytesPerEvent), Report.ratio(all.eventsPerSec, aj.eventsPerSec)));
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
        out.put("tinyphone", time("tinyphone", () -> tp.decode(bytes)));
        out.put("tinyphoneAllFields", time("tinyphoneAllFields", () -> tpAll.decode(bytes)));
        out.put("asteriskJava", time("asteriskJava", () -> aj.decode(bytes)));
        long ajPerPass = aj.decode(stream.repeated(1));
        Report.info("asterisk-java delivers " + ajPerPass + " events per pass of " + stream.eventsPerPass()
                + " (it adds legacy Bridge events and drops event types it has no class for)");
        return out;
    }

    private static Score time(String name, LongSupplier decodeAll) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + 4_000_000_000L;
        while (System.nanoTime() < end) decodeAll.getAsLong(); // warm up
        System.gc();
        long a0 = threads.getTotalThreadAllocatedBytes(), t0 = System.nanoTime(), invocations = 0;
        end = t0 + 4_000_000_000L;
        while (System.nanoTime() < end) {
            decodeAll.getAsLong();
            invocations++;
        }
        long t1 = System.nanoTime(), a1 = threads.getTotalThreadAllocatedBytes();
        double events = (double) invocations * AmiDecodeBench.OPS;
        Score s = new Score(events / ((t1 - t0) / 1e9), (a1 - a0) / events);
        Report.info(String.format(Locale.ROOT, "%s: %s ev/s, %s allocated per event", name, Report.rate(s.eventsPerSec),
                Report.bytes(s.bytesPerEvent)));
        return s;
    }

    private Map<String, Score> jmh() throws Exception {
        Options opt = new OptionsBuilder()
                .include(AmiDecodeBench.class.getName() + "\\.")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(opt).run();
        Map<String, Score> out = new LinkedHashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            label = label.substring(label.lastIndexOf('.') + 1);
            Result<?> norm = r.getSecondaryResults().get("gc.alloc.rate.norm");
            out.put(label, new Score(r.getPrimaryResult().getScore(), norm == null ? Double.NaN : norm.getScore()));
        }
        return out;
    }
}
