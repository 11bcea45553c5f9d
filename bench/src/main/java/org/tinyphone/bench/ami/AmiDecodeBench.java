package org.tinyphone.bench.ami;

import java.util.concurrent.TimeUnit;
import org.asteriskjava.manager.internal.AjEventDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * ami-decode under JMH: the recorded call (capture 05f) replayed {@value #PASSES} times from memory through
 * each library's decoder; one operation = one event delivered, so the score is events/s and
 * {@code gc.alloc.rate.norm} (with {@code -prof gc}) is bytes allocated per event.
 * {@code names}: the listener reads the event name and Uniqueid (what a router needs);
 * {@code allFields}: the listener reads every field (asterisk-java's typed events always carry them all).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AmiDecodeBench {
    public static final int PASSES = 200;
    /** Events per invocation: 96 events per pass of 05f. */
    public static final int OPS = 96 * PASSES;

    private byte[] stream;
    private Blackhole bh;
    private TinyphoneEventDecoder tinyphoneNames, tinyphoneAll;
    private AjEventDecoder asteriskJava;

    @Setup(Level.Trial)
    public void setup(Blackhole blackhole) {
        AmiStream s = AmiStream.load();
        if (s.eventsPerPass() * PASSES != OPS) throw new IllegalStateException("capture has " + s.eventsPerPass() + " events");
        this.stream = s.repeated(PASSES);
        this.bh = blackhole;
        tinyphoneNames = new TinyphoneEventDecoder(m -> {
            bh.consume(m.eventName());
            bh.consume(m.get("Uniqueid"));
        });
        tinyphoneAll = new TinyphoneEventDecoder(m -> bh.consume(m.toMap()));
        asteriskJava = new AjEventDecoder(e -> bh.consume(e));
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long tinyphone() {
        return tinyphoneNames.decode(stream);
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long tinyphoneAllFields() {
        return tinyphoneAll.decode(stream);
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long asteriskJava() {
        return asteriskJava.decode(stream);
    }
}
