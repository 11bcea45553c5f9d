package org.tinyphone.server;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallControl;
import org.tinyphone.server.bridge.CommandResult;

/**
 * A call's command channel driven by the test, as an ingress drives it from Asterisk's replies: each submitted
 * command waits until the test answers it. Counts how many run at once (the bridge must run one at a time).
 */
public final class ManualControl implements CallControl {
    /** A command the bridge started; {@link #answer} ends it, as Asterisk's reply would. */
    public final class Running {
        private final CallCommand command;
        private final CompletableFuture<CommandResult> future;

        Running(CallCommand command, CompletableFuture<CommandResult> future) {
            this.command = command;
            this.future = future;
        }

        public CallCommand command() { return command; }

        public void answer(CommandResult result) {
            inFlight.decrementAndGet();
            future.complete(result);
        }
    }

    private final BlockingQueue<Running> running = new LinkedBlockingQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();

    @Override
    public CompletableFuture<CommandResult> submit(CallCommand command) {
        int n = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(n, Math::max);
        CompletableFuture<CommandResult> f = new CompletableFuture<>();
        running.add(new Running(command, f));
        return f;
    }

    /** The next command the bridge started (waits up to 15 s). */
    public Running next() throws InterruptedException {
        Running r = running.poll(15, TimeUnit.SECONDS);
        if (r == null) throw new AssertionError("no command reached the call's control");
        return r;
    }

    /** The next command if one comes within {@code wait}, else null. */
    public Running poll(Duration wait) throws InterruptedException {
        return running.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }
}
