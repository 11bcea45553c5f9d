package org.tinyphone.ami;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.tinyphone.agi.AbstractAgiChannel;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.AgiException;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.AgiReply;
import org.tinyphone.ami.event.AmiEvents;

/**
 * One call in {@code AGI(agi:async)}, driven over AMI: each command is an {@code AGI} action with a
 * {@code CommandID}, its reply is the url-encoded {@code Result} of the {@code AsyncAGIExec} event with that
 * {@code CommandId}. The same {@link org.tinyphone.agi.AgiChannel} FastAGI apps get, so apps run unchanged.
 * A command in flight when the channel hangs up throws {@link AgiHangupException}; after
 * {@code ASYNCAGI BREAK} the channel has left AGI and further commands throw {@link AgiException}.
 */
public final class AsyncAgiChannel extends AbstractAgiChannel {
    private static final Object HANGUP = new Object();
    private static final Object LEFT = new Object();
    private static final AtomicLong SEQ = new AtomicLong();

    private final ManagerConnection ami;
    private final String channelName;
    private final Duration maxCommandTime;
    private final Map<String, BlockingQueue<Object>> inFlight = new ConcurrentHashMap<>();
    private volatile boolean ended;
    private volatile boolean hangup;
    private volatile boolean breakSent;
    private volatile String lostReason;

    AsyncAgiChannel(ManagerConnection ami, AgiEnvironment env, String channelName, Duration maxCommandTime) {
        super(env);
        this.ami = ami;
        this.channelName = channelName;
        this.maxCommandTime = maxCommandTime;
    }

    /** The Asterisk channel name the {@code AGI} actions address. */
    public String channelName() { return channelName; }

    /** True once the channel left AsyncAGI (ASYNCAGI BREAK or hangup). */
    public boolean ended() { return ended; }

    @Override
    protected AgiReply exchange(String commandLine) {
        return await(commandLine, start(commandLine));
    }

    /**
     * Queues a command without waiting (Asterisk runs queued commands in order); the future completes with its
     * reply. {@link #send(String)} is the blocking form every typed method uses.
     */
    public CompletableFuture<AgiReply> queue(String commandLine) {
        Cmd c;
        try {
            c = start(commandLine);
        } catch (AgiException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<AgiReply> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(await(commandLine, c));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private record Problem(String text) { }

    private record Cmd(String id, BlockingQueue<Object> replies, CompletableFuture<AmiResponse> accepted) { }

    /** Writes the AGI action (in the caller's thread, so queued commands keep their order) without waiting. */
    private Cmd start(String commandLine) {
        checkOpen(commandLine);
        String id = "c" + SEQ.incrementAndGet();
        BlockingQueue<Object> q = new LinkedBlockingQueue<>();
        inFlight.put(id, q);
        if (commandLine.trim().equalsIgnoreCase("ASYNCAGI BREAK")) breakSent = true;
        CompletableFuture<AmiResponse> accepted = ami.send(AmiAction.of("AGI").add("Channel", channelName)
                .add("Command", commandLine).add("CommandID", id));
        return new Cmd(id, q, accepted);
    }

    private AgiReply await(String commandLine, Cmd c) {
        try {
            AmiResponse r;
            try {
                r = ManagerConnection.await(c.accepted());
            } catch (AmiException e) {
                throw new AgiException("AsyncAGI '" + commandLine + "' on " + channelName + " not accepted: " + e.getMessage(), e);
            }
            if (!r.isSuccess()) {
                String text = r.text() == null ? "" : r.text();
                if (text.contains("does not exist")) {
                    ended = true;
                    hangup = true;
                    throw new AgiHangupException("channel " + channelName + " is gone: " + text, (AgiReply) null);
                }
                throw new AgiException("Asterisk refused AsyncAGI command '" + commandLine + "' on " + channelName + ": " + text);
            }
            while (true) {
                Object o = c.replies().poll(maxCommandTime.toMillis(), TimeUnit.MILLISECONDS);
                if (o == null) {
                    throw new AgiException("no AsyncAGIExec for '" + commandLine + "' on " + channelName + " within " + maxCommandTime);
                }
                if (o instanceof AgiReply reply) {
                    if (reply.isTrying()) continue;      // 100 Trying... (GOSUB): the final reply follows
                    return reply;
                }
                if (o == HANGUP) throw new AgiHangupException("caller hung up while '" + commandLine + "' ran on " + channelName, (AgiReply) null);
                if (o == LEFT) throw new AgiException("channel " + channelName + " left AsyncAGI while '" + commandLine + "' ran");
                if (o instanceof Problem p) throw new AgiException("'" + commandLine + "' on " + channelName + ": " + p.text());
                throw new AgiException("AMI connection lost while '" + commandLine + "' ran on " + channelName + ": " + o);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgiException("interrupted while '" + commandLine + "' ran", e);
        } finally {
            inFlight.remove(c.id());
        }
    }

    private void checkOpen(String commandLine) {
        if (!ended) return;
        if (hangup) throw new AgiHangupException("caller hung up; '" + commandLine + "' not sent to " + channelName, (AgiReply) null);
        throw new AgiException("channel " + channelName + " left AsyncAGI (ASYNCAGI BREAK); '" + commandLine + "' not sent");
    }

    // ---- fed by AsyncAgiServer from the reader thread (never block)

    void onExec(AmiEvents.AsyncAgiExec e) {
        String id = e.commandId();
        BlockingQueue<Object> q = id == null ? null : inFlight.get(id);
        if (q == null) return;
        Object v;
        try {
            v = e.reply();
        } catch (RuntimeException ex) {
            v = new Problem("unreadable AsyncAGIExec Result '" + e.message().get("Result") + "': " + ex.getMessage());
        }
        q.add(v);
    }

    void onHangup() {
        if (ended && !hangup) return;        // left AGI by ASYNCAGI BREAK: the dialplan's later hangup is not ours
        hangup = true;
        ended = true;
        noticeHangup();
        for (BlockingQueue<Object> q : inFlight.values()) q.add(HANGUP);
    }

    void onEnd() {
        ended = true;
        if (!breakSent) {
            hangup = true;
            noticeHangup();
        }
        for (BlockingQueue<Object> q : inFlight.values()) q.add(hangup ? HANGUP : LEFT);
    }

    void onConnectionLost(String reason) {
        lostReason = reason;
        for (BlockingQueue<Object> q : inFlight.values()) q.add(reason);
    }

    boolean breakSent() { return breakSent; }

    @Override
    public String toString() { return "AsyncAGI " + channelName + (lostReason != null ? " (AMI lost: " + lostReason + ")" : ""); }
}
