package org.tinyphone.bench.ari;

import ch.loway.oss.ari4java.generated.ari_10_0_0.models.Message_impl_ari_10_0_0;
import ch.loway.oss.ari4java.generated.models.Message;
import ch.loway.oss.ari4java.tools.BaseAriAction;
import ch.loway.oss.ari4java.tools.RestException;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tinyphone.ari.AriDecodeStep;
import org.tinyphone.ari.AriEvent;

/**
 * ari-decode under JMH: the event messages of captures 09a-09d ({@link AriStream#common()}), one per operation in turn, from
 * their text to each library's typed event: Tinyphone's reader step ({@link AriDecodeStep}: Jackson tree, then the
 * {@link AriEvent} record) and ari4java's ({@code BaseAriAction.deserializeEvent} into its ARI 10.0.0 models, which is
 * what its events WebSocket handler does with each message). Score: events/s; {@code gc.alloc.rate.norm} (with
 * {@code -prof gc}): bytes allocated per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AriDecodeBench {
    private String[] events;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        List<String> e = AriStream.load().common();
        events = e.toArray(String[]::new);
    }

    private String nextEvent() {
        String e = events[next];
        next = next + 1 == events.length ? 0 : next + 1;
        return e;
    }

    @Benchmark
    public AriEvent tinyphone() throws JsonProcessingException {
        return tinyphone(nextEvent());
    }

    @Benchmark
    public Message ari4java() throws RestException {
        return ari4java(nextEvent());
    }

    /** Tinyphone's decode of one event message. */
    static AriEvent tinyphone(String text) throws JsonProcessingException {
        return AriDecodeStep.decode(text);
    }

    /** ari4java's decode of one event message (its events WebSocket handler's, for ARI 10.0.0). */
    static Message ari4java(String text) throws RestException {
        return BaseAriAction.deserializeEvent(text, Message_impl_ari_10_0_0.class);
    }
}
