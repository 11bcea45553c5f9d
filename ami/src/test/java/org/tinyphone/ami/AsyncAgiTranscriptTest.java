package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tinyphone.agi.AgiChannel;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.AgiReply;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.ami.FakeAmiServer;
import org.tinyphone.sim.ami.TranscriptReplay;

/** An ordinary AgiChannel app, run over AMI against the recorded AsyncAGI sessions 06a (BREAK) and 06b (hangup). */
class AsyncAgiTranscriptTest {
    private FakeAmiServer server;
    private ManagerConnection ami;

    @AfterEach
    void tearDown() {
        if (ami != null) ami.close();
        if (server != null) server.close();
    }

    private TranscriptReplay connect(String capture) throws Exception {
        TranscriptReplay r = new TranscriptReplay(Transcript.load(capture));
        server = FakeAmiServer.start(r);
        ami = ManagerConnection.builder().port(server.port()).username("lab").secret("labsecret")
                .events("agi,call,system").keepAlive(Duration.ZERO).reconnect(false).build();
        ami.connect();
        return r;
    }

    /** The commands both captures run, in the same order, through the typed AgiChannel API. */
    private static void commands(AgiChannel ch, List<Object> seen) throws Exception {
        assertThat(ch.environment().request()).isEqualTo("async");
        seen.add(ch.environment().callerId());
        ch.answer();
        seen.add(ch.getVariable("CHANNEL").orElseThrow());
        ch.setVariable("ASYNCVAR", "a b");
        seen.add(ch.getVariable("ASYNCVAR").orElseThrow());
        seen.add(ch.waitForDigit(3000).digit());
        seen.add(ch.streamFile("beep", "").endpos());
        seen.add(ch.send("NOSUCHCOMMAND").status());
        AgiReply usage = ch.send("GET VARIABLE");
        seen.add(usage.status());
        seen.add(usage.usage().contains("Example return code: 200 result=1 (testvariable)"));
        AsyncAgiChannel a = (AsyncAgiChannel) ch;             // two commands queued back-to-back
        CompletableFuture<AgiReply> q1 = a.queue("NOOP");
        CompletableFuture<AgiReply> q2 = a.queue("VERBOSE \"queued second\" 1");
        seen.add(q1.get(10, TimeUnit.SECONDS).resultCode());
        seen.add(q2.get(10, TimeUnit.SECONDS).resultCode());
    }

    @Test
    void asyncAgiBreakHandsTheCallBack() throws Exception {
        TranscriptReplay r = connect("06a-asyncagi-break.txt");
        List<Object> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Throwable> afterBreak = new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        AsyncAgiServer.start(ami, ch -> {
            try {
                commands(ch, seen);
                ch.asyncAgiBreak();
                try {
                    ch.noop();
                } catch (AgiException e) {
                    afterBreak.complete(e);
                }
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        OriginateResult o = ami.originate(Originate.toExtension("Local/async@agi-test", "ctl", "s")
                .callerId("\"Carol\" <15550001111>")).get(10, TimeUnit.SECONDS);
        assertThat(o.success()).isTrue();
        done.get(20, TimeUnit.SECONDS);
        assertThat(seen).containsExactly("15550001111", "Local/async@agi-test-00000000;2", "a b", '5', 3404L,
                510, 520, true, 0, 1);
        assertThat(afterBreak.get()).isNotInstanceOf(AgiHangupException.class).hasMessageContaining("left AsyncAGI");

        AmiResponse late = ami.call(AmiAction.of("AGI").add("Channel", "Local/async@agi-test-00000000;2")
                .add("Command", "NOOP").add("CommandID", "late"));
        assertThat(late.isSuccess()).isFalse();
        assertThat(late.text()).isEqualTo("Channel Local/async@agi-test-00000000;2 does not exist.");
        ami.close();
        assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        assertThat(r.failures()).isEmpty();
    }

    @Test
    void hangupEndsTheAppWithAgiHangupException() throws Exception {
        TranscriptReplay r = connect("06b-asyncagi-hangup.txt");
        List<Object> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<AgiChannel> channel = new CompletableFuture<>();
        AsyncAgiServer.start(ami, ch -> {
            commands(ch, seen);
            channel.complete(ch);
            await().atMost(Duration.ofSeconds(20)).until(ch::isHungUp);   // the other leg hangs up now
        });
        ami.originate(Originate.toExtension("Local/async@agi-test", "ctl", "s").callerId("\"Carol\" <15550001111>"));
        AgiChannel ch = channel.get(20, TimeUnit.SECONDS);
        await().until(ch::isHungUp);
        assertThat(seen).hasSize(10);
        assertThatThrownBy(ch::noop).isInstanceOf(AgiHangupException.class).hasMessageContaining("hung up");
        AmiResponse late = ami.call(AmiAction.of("AGI").add("Channel", ((AsyncAgiChannel) ch).channelName())
                .add("Command", "NOOP").add("CommandID", "late"));
        assertThat(late.text()).endsWith("does not exist.");
        ami.close();
        assertThat(r.awaitDone(Duration.ofSeconds(10))).isTrue();
        assertThat(r.failures()).isEmpty();
    }
}
