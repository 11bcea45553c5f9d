package org.tinyphone.bench.harness;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What the decoder cases (ami-decode, ari-decode) share: a JMH run of a benchmark class with {@code -prof gc}, and
 * the quick mode's timing of the same code in this JVM (bytes per event from the JVM's allocated-bytes counter, all
 * threads, so a library's own pump thread counts too).
 */
public final class DecodeTiming {
    private DecodeTiming() {}

    /** events/s and bytes allocated per event. */
    public record Score(double eventsPerSec, double bytesPerEvent) {}

    /** Runs {@code decodeAll} (which decodes {@code eventsPerRun} events) 4 s to warm up, then 4 s measured. */
    public static Score time(String name, long eventsPerRun, Runnable decodeAll) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + 4_000_000_000L;
        while (System.nanoTime() < end) decodeAll.run(); // warm up
        System.gc();
        long a0 = threads.getTotalThreadAllocatedBytes(), t0 = System.nanoTime(), invocations = 0;
        end = t0 + 4_000_000_000L;
        while (System.nanoTime() < end) {
            decodeAll.run();
            invocations++;
        }
        long t1 = System.nanoTime(), a1 = threads.getTotalThreadAllocatedBytes();
        double events = (double) invocations * eventsPerRun;
        Score s = new Score(events / ((t1 - t0) / 1e9), (a1 - a0) / events);
        Report.info(String.format(Locale.ROOT, "%s: %s ev/s, %s allocated per event", name, Report.rate(s.eventsPerSec),
                Report.bytes(s.bytesPerEvent)));
        return s;
    }

    /** Every {@code @Benchmark} of {@code bench} under JMH with the GC profiler: method name → score. */
    public static Map<String, Score> jmh(Class<?> bench) throws Exception {
        Options opt = new OptionsBuilder()
                .include(bench.getName() + "\\.")
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
